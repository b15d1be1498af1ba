"""Business logic. No flask.request or g in here: services take plain arguments."""
