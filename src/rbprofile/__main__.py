from rbprofile.cli.app import entry

entry()
