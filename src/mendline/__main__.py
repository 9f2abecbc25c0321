from mendline.cli import main

main()
