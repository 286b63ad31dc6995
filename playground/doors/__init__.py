"""The doors: one module per way in (REST, the event stream, the OpenAI-compatible API, jobs, the
records), each parsing its own wire format into the one generation path and rendering the result
back in that format. A new door is a module here and its line in `urls.py`; authentication
(accounts.authentication), metering (`@meters_itself` and usage.admission) and recording come with
the path it calls.
"""
