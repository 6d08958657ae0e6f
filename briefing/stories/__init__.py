"""Articles -> stories: grouping.py groups a day (copies.py, evidence.py, neighbourhoods.py, linkage.py, and
blocking.py for very large days; every number in params.py) and gives each story its section (sections.py);
history.py and developing.py match today's stories against earlier briefs' (morning after morning)."""
