"""Articles -> stories: grouping.py groups a day (copies.py, evidence.py, neighbourhoods.py, linkage.py, and
blocking.py for very large days; every number in params.py), tells kinds of article apart (kinds.py: news, opinion,
live, roundup, video) and gives each story its section (sections.py, with the page's own desk from
evidence_of_section.py); history.py and developing.py match today's stories against earlier briefs' (morning after
morning)."""
