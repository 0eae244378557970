"""Pure rules: functions of their arguments only (no session, no I/O, no clock).

ID numbers, standards and their history, entitlements, temporary-aid limits, liaison periods,
rates, money and area codes, Chinese capitals, search keys. Everything above (services,
reports, io, ui) may import these; they import nothing above them."""
