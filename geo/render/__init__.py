"""What is drawn or written for people: colours, symbols, the web map, the print map, files, the report."""
