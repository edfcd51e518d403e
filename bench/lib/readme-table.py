#!/usr/bin/env python3
"""Copies bench/results/latest.md into the "## Latest results" section of bench/README.md."""
import re
import sys

readme, results = sys.argv[1], sys.argv[2]
text = open(readme).read()
table = open(results).read().strip().split("\n", 1)[1].strip()   # drop the file's own title
start = text.index("## Latest results\n") + len("## Latest results\n")
end = text.index("\n## ", start) + 1   # up to the next section
text = text[:start] + "\n" + table + "\n\n" + text[end:]
open(readme, "w").write(text)
