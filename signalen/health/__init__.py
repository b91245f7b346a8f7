"""``/healthz``: is the site and what it depends on working?"""
