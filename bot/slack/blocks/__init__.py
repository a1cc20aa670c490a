"""Block Kit builders, each next to the parser of what it builds. Pure: plain data in, dicts out."""
