"""Training labs: graded exercises on the configuration and on live traffic through the appliance.

A lab is data (one TOML file, ``model``); ``backends`` are the small servers it needs; ``checks`` grade
a data directory (its saved configuration, traffic through its listeners, the commands typed in it);
``runner`` resets, checks and validates labs; ``report`` prints results as text, JSON and JUnit XML.
This package sits above ``adc.appliance``: the console's lab mode lives in ``cli/``.
"""
