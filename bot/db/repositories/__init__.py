"""Small typed functions over one table group each; they take a connection and never commit."""
