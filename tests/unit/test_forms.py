from datetime import time

import pytest
from pydantic import ValidationError

from models import ProgramKind, Role
from models.forms import FormErrors, ProfileInput, ProgramInput, parse_tags


def errors_of(model: type, **values: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(values)  # type: ignore[attr-defined]
    return FormErrors.from_validation(caught.value).errors


def test_tags_are_trimmed_case_folded_and_deduplicated() -> None:
    assert parse_tags("  Python, public   SPEAKING;python\nSQL,, ") == [
        "python",
        "public speaking",
        "sql",
    ]


def test_a_mentor_must_offer_something() -> None:
    assert errors_of(ProfileInput, role="mentor", offers=" , ") == {
        "offers": "As a mentor, name at least one thing you can offer."
    }


def test_a_mentee_may_offer_nothing_and_has_no_capacity() -> None:
    profile = ProfileInput(role=Role.MENTEE, wants="design", capacity=4)
    assert profile.offers == [] and profile.capacity == 0


def test_mentors_get_the_default_capacity_of_two() -> None:
    assert ProfileInput(role=Role.BOTH, offers="sql", wants="go").capacity == 2


def test_more_than_ten_tags_are_refused() -> None:
    tags = ", ".join(f"tag{n}" for n in range(11))
    assert "At most 10 tags" in errors_of(ProfileInput, role="mentee", wants=tags)["wants"]


def test_a_tag_over_forty_characters_is_refused() -> None:
    errors = errors_of(ProfileInput, role="mentee", wants="x" * 41)
    assert "40 characters" in errors["wants"]


def test_capacity_is_at_most_five() -> None:
    assert "capacity" in errors_of(ProfileInput, role="mentor", offers="go", capacity=6)


def test_goals_have_a_length_limit() -> None:
    errors = errors_of(ProfileInput, role="mentee", wants="go", goals="g" * 1001)
    assert errors == {"goals": "Keep this under 1000 characters."}


def test_roles_fit_the_kind_of_program() -> None:
    assert ProfileInput(role=Role.PEER).fits(ProgramKind.COFFEE)
    assert not ProfileInput(role=Role.PEER).fits(ProgramKind.MENTORING)
    assert not ProfileInput(role=Role.MENTEE, wants="go").fits(ProgramKind.COFFEE)


def test_a_program_needs_a_name_and_a_real_time_zone() -> None:
    errors = errors_of(ProgramInput, name="  ", kind="coffee", timezone="Mars/Olympus")
    assert errors["name"] == "This can't be empty."
    assert "IANA" in errors["timezone"]


def test_program_input_reads_slack_time_picker_values() -> None:
    program = ProgramInput.model_validate(
        {"name": "Coffee  club", "kind": "coffee", "local_time": "09:30", "weekday": "2"}
    )
    assert program.name == "Coffee club"
    assert program.name_key == "coffee club"
    assert program.local_time == time(9, 30)
    assert program.weekday == 2


def test_a_mentor_who_leaves_offers_empty_is_told_even_when_slack_omits_the_field() -> None:
    # Slack reports an empty optional input as null, and Sprout leaves such fields out.
    assert "offers" in errors_of(ProfileInput, role="mentor")


def test_a_mentee_names_something_to_learn() -> None:
    assert errors_of(ProfileInput, role="mentee") == {
        "wants": "As a mentee, name at least one thing you want to learn."
    }
