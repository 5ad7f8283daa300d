"""The only place Sprout talks to Slack's Web API from."""
