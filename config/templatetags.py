"""Template filters every page may use (a builtin library: see TEMPLATES in the settings)."""

from django import template

from config import money

register = template.Library()
register.filter("dollars", money.dollars)
