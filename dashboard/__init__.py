"""The top of the product: the dashboard (home page), which reads every app, and the program data
(venues, curriculum topics, KPIs) the program is set up from (``manage.py load_program_data``)."""
