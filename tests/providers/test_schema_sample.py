"""The values the demo and the fakes put in tool arguments and JSON answers satisfy the schema,
for any schema built from the keywords tool and response schemas use."""

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.schema_sample import sample

names = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
leaves = st.one_of(
    st.builds(
        lambda low, span: {"type": "integer", "minimum": low, "maximum": low + span},
        st.integers(-50, 50),
        st.integers(0, 9),
    ),
    st.builds(lambda low: {"type": "number", "exclusiveMinimum": low}, st.floats(-10, 10, allow_nan=False)),
    st.builds(
        lambda a, b: {"type": "string", "minLength": a, "maxLength": a + b}, st.integers(0, 12), st.integers(0, 5)
    ),
    st.builds(
        lambda values: {"enum": values}, st.lists(st.one_of(st.text(max_size=5), st.integers()), min_size=1, max_size=4)
    ),
    st.just({"type": "boolean"}),
    st.just({"type": ["string", "null"]}),
    st.sampled_from([{"type": "string", "format": f} for f in ("date", "date-time", "email", "uuid", "uri")]),
    st.builds(lambda step: {"type": "integer", "multipleOf": step, "minimum": 1}, st.integers(2, 7)),
)


def objects(children):
    def build(props, strict):
        schema = {"type": "object", "properties": props, "required": sorted(props)}
        return schema | ({"additionalProperties": False} if strict else {})

    arrays = st.builds(
        lambda items, low: {"type": "array", "items": items, "minItems": low, "maxItems": low + 2},
        children,
        st.integers(0, 3),
    )
    return st.one_of(st.builds(build, st.dictionaries(names, children, max_size=4), st.booleans()), arrays)


schemas = st.recursive(leaves, objects, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(schema=schemas, prompt=st.text(max_size=40))
def test_the_sample_satisfies_any_schema_built_from_common_keywords(schema, prompt):
    jsonschema.validate(sample(schema, prompt), schema)


def test_refs_anyof_and_nested_definitions_are_followed():
    schema = {
        "$defs": {"step": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
        "type": "object",
        "properties": {"steps": {"type": "array", "items": {"$ref": "#/$defs/step"}, "minItems": 2}},
        "required": ["steps"],
        "anyOf": [{"required": ["steps"]}],
    }

    value = sample(schema, "Plan a trip to Rome")

    jsonschema.validate(value, schema)
    assert len(value["steps"]) == 2


def test_strings_and_numbers_come_from_the_prompt():
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}

    assert sample(schema, "Plan 3 days in Rome") == {"city": "Rome", "days": 3}


def test_a_large_number_in_the_prompt_is_not_taken_for_a_multiple_it_is_not():
    schema = {"type": "integer", "multipleOf": 3, "minimum": 1}

    value = sample(schema, "100000000000000000")  # 1e17 / 3 rounds to a whole float

    jsonschema.validate(value, schema)
