from django import forms

from webhooks.validators import EVENTS, validate_endpoint_url, validate_events

EVENT_CHOICES = [
    ("ai.task.completed", "ai.task.completed: a generation or job finished"),
    ("ai.task.failed", "ai.task.failed: a generation or job failed"),
    ("quota.warning", "quota.warning: a quota is nearly used up"),
    ("ai.batch.completed", "ai.batch.completed: a batch run finished"),
]
assert [value for value, _ in EVENT_CHOICES] == list(EVENTS)


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=2048,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/switchboard"}),
    )
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    def clean_url(self) -> str:
        return validate_endpoint_url(self.cleaned_data["url"].strip())

    def clean_events(self) -> list[str]:
        return validate_events(self.cleaned_data["events"])
