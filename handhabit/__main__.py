from handhabit.cli import main

main()
