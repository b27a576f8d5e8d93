"""Speed and memory benchmarks of cnnlib and of the book itself (never part of the tests).

Run ``make bench`` (or ``python -m benchmarks --help`` inside an environment
with cnnlib). Every table is printed and written to ``benchmarks/results.json``
and ``benchmarks/results.md``; see ``benchmarks/README.md`` for what is measured
and the schema of the JSON file.
"""
