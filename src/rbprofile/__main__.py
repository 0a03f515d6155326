from rbprofile.cli.app import main

main()
