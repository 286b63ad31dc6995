"""The playground's forms: the settings panel's parameters, presets, and a turn to send."""

from typing import Any

from django import forms
from django.contrib.humanize.templatetags.humanize import apnumber

from playground.generation.params import MAX_MODELS, MAX_STOPS, PARAMETERS


class ParamsForm(forms.Form):
    """Generation parameters from the settings panel; the service checks them against each model's ranges."""

    system_prompt = forms.CharField(required=False, max_length=20000)
    temperature = forms.FloatField(required=False, min_value=0, max_value=2)
    top_p = forms.FloatField(required=False, min_value=0, max_value=1)
    max_tokens = forms.IntegerField(required=False, min_value=1, max_value=200000)
    stop = forms.CharField(required=False, max_length=400)
    presence_penalty = forms.FloatField(required=False, min_value=-2, max_value=2)
    frequency_penalty = forms.FloatField(required=False, min_value=-2, max_value=2)
    seed = forms.IntegerField(required=False, min_value=0)

    def clean_stop(self) -> list[str]:
        sequences = [line for line in self.cleaned_data.get("stop", "").splitlines() if line]
        if len(sequences) > MAX_STOPS:
            raise forms.ValidationError(f"At most {MAX_STOPS} stop sequences.")
        return sequences

    def api_params(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in PARAMETERS if data.get(name) not in (None, "", [])}

    def api_params_with_system(self) -> dict[str, Any]:
        params = self.api_params()
        if system := self.cleaned_data.get("system_prompt"):
            params["system_prompt"] = system
        return params


class PresetForm(ParamsForm):
    preset_name = forms.CharField(max_length=60, error_messages={"required": "Give the preset a name."})


class SendForm(ParamsForm):
    prompt = forms.CharField(max_length=100000, strip=False, error_messages={"required": "Write a message first."})
    conversation = forms.UUIDField(required=False)
    edit_turn = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.models = [m for m in (self.data.getlist("models") if hasattr(self.data, "getlist") else []) if m]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.models:
            raise forms.ValidationError("Pick at least one model.")
        if len(self.models) > MAX_MODELS:
            raise forms.ValidationError(f"Compare at most {apnumber(MAX_MODELS)} models at once.")
        if not data.get("prompt", "").strip():
            self.add_error("prompt", "Write a message first.")
        return data


def params_for_panel(saved: dict[str, Any]) -> dict[str, Any]:
    """Saved parameters (a conversation's or a preset's, by the API's names) as the settings panel's fields
    take them: stop sequences one a line."""
    params = {name: saved[name] for name in (*PARAMETERS, "system_prompt") if name in saved}
    if isinstance(params.get("stop"), list):
        params["stop"] = "\n".join(params["stop"])
    return params
