"""Block Kit and mrkdwn as the console shows them: every block type, the mrkdwn rules, escaping."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.console.render import (
    REQUIRED_MESSAGE,
    RenderContext,
    render_block,
    render_blocks,
    render_mrkdwn,
    render_text,
)
from sandbox.workspace import seeded_workspace


@pytest.fixture
def ctx() -> RenderContext:
    return RenderContext(seeded_workspace(), "Asia/Tokyo")


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": pt(label), "value": value}


# --- mrkdwn ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*bold*", "<b>bold</b>"),
        ("_italic_", "<i>italic</i>"),
        ("~gone~", "<s>gone</s>"),
        ("a `co*de*` b", "a <code>co*de*</code> b"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("* not bold *", "* not bold *"),
        ("one\ntwo", "one<br>two"),
        ("*bold _and italic_*", "<b>bold <i>and italic</i></b>"),
    ],
)
def test_mrkdwn_emphasis_code_and_newlines(ctx: RenderContext, text: str, html: str) -> None:
    assert render_mrkdwn(text, ctx) == html


def test_preformatted_blocks_keep_their_text_literally(ctx: RenderContext) -> None:
    html = render_mrkdwn("before\n```*not bold* <@U02BEN>\nsecond```after", ctx)
    assert html == ('before<pre class="mrkdwn-pre">*not bold* &lt;@U02BEN&gt;\nsecond</pre>after')


def test_quotes_group_consecutive_lines(ctx: RenderContext) -> None:
    html = render_mrkdwn("&gt; first *line*\n> second\nafter", ctx)
    assert html == "<blockquote>first <b>line</b><br>second</blockquote>after"


def test_user_mentions_show_the_persons_real_name(ctx: RenderContext) -> None:
    html = render_mrkdwn("hi <@U02BEN> and <@U04DEV|devika>", ctx)
    assert "@Ben Carter</span>" in html
    assert "@Devika Rao</span>" in html
    assert 'data-user-id="U02BEN"' in html


def test_an_unknown_user_shows_the_label_or_the_id(ctx: RenderContext) -> None:
    assert "@someone</span>" in render_mrkdwn("<@U99ZZZ|someone>", ctx)
    assert "@U99ZZZ</span>" in render_mrkdwn("<@U99ZZZ>", ctx)


def test_channel_mentions_and_broadcasts(ctx: RenderContext) -> None:
    html = render_mrkdwn("<#C0GENERAL> <#C0MENTORS|circle> <!here> <!channel>", ctx)
    assert "#general</span>" in html
    assert "#circle</span>" in html
    assert "@here</span>" in html and "@channel</span>" in html


def test_links_open_safely_and_only_for_web_urls(ctx: RenderContext) -> None:
    html = render_mrkdwn("<https://example.com/a?b=1&amp;c=2|docs &amp; more>", ctx)
    assert html == (
        '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener noreferrer">docs &amp; more</a>'
    )
    assert render_mrkdwn("<http://example.com>", ctx).startswith('<a href="http://example.com"')


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "mailto:a@b"],
)
def test_other_schemes_are_never_linked(ctx: RenderContext, target: str) -> None:
    html = render_mrkdwn(f"<{target}|click me>", ctx)
    assert "<a" not in html and "href" not in html
    assert html == "click me"


def test_slack_entities_are_decoded_then_escaped_again(ctx: RenderContext) -> None:
    html = render_mrkdwn("&lt;script&gt;alert('x')&lt;/script&gt; &amp;amp; \"q\"", ctx)
    assert html == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp;amp; &quot;q&quot;"


def test_raw_markup_in_mrkdwn_never_becomes_markup(ctx: RenderContext) -> None:
    html = render_mrkdwn('<script>alert(1)</script> <img src=x onerror="alert(1)">', ctx)
    assert "<script" not in html and "<img" not in html
    assert 'onerror="' not in html


def test_quotes_in_links_cannot_break_out_of_the_attribute(ctx: RenderContext) -> None:
    html = render_mrkdwn('<https://x.example/"onmouseover="alert(1)|x>', ctx)
    assert 'href="https://x.example/&quot;onmouseover=&quot;alert(1)"' in html


def test_dates_show_in_the_viewers_time_zone(ctx: RenderContext) -> None:
    # 2026-11-26 09:00 UTC is 18:00 in Tokyo.
    html = render_mrkdwn("<!date^1795683600^{date_long} at {time}|26 Nov>", ctx)
    assert html == "Thursday, November 26th, 2026 at 6:00 PM"
    assert render_mrkdwn("<!date^1795683600^{date_num}|x>", ctx) == "2026-11-26"
    assert render_mrkdwn("<!date^1795683600^{unknown_token}|the fallback>", ctx) == "the fallback"


def test_plain_text_is_escaped_and_never_formatted(ctx: RenderContext) -> None:
    assert render_text(pt("*a* <b>x</b> & y"), ctx) == "*a* &lt;b&gt;x&lt;/b&gt; &amp; y"
    assert render_text(md("*a*"), ctx) == "<b>a</b>"


# --- blocks ----------------------------------------------------------------------------------


def test_header_divider_and_context(ctx: RenderContext) -> None:
    html = render_blocks(
        [
            {"type": "header", "text": pt("Hello <there>")},
            {"type": "divider"},
            {
                "type": "context",
                "elements": [
                    md("*small*"),
                    pt("plain"),
                    {"type": "image", "image_url": "https://i.example/a.png", "alt_text": "logo"},
                ],
            },
        ],
        ctx,
    )
    assert "<h3>Hello &lt;there&gt;</h3>" in html
    assert '<hr class="bk-block bk-divider"' in html
    assert "<b>small</b>" in html and "plain" in html
    assert "🖼 logo" in html
    assert "<img" not in html  # nothing is loaded from the network


def test_section_with_text_fields_and_button_accessory(ctx: RenderContext) -> None:
    block = {
        "type": "section",
        "block_id": "b1",
        "text": md("*Mentoring* · mentor"),
        "fields": [md("*Role*\nmentor"), pt("Since <today>")],
        "accessory": {
            "type": "button",
            "action_id": "home.join",
            "value": "7",
            "style": "primary",
            "text": pt("Join"),
        },
    }
    html = render_block(block, ctx)
    assert "<b>Mentoring</b> · mentor" in html
    assert '<div class="bk-field"><b>Role</b><br>mentor</div>' in html
    assert "Since &lt;today&gt;" in html
    assert 'data-action-id="home.join"' in html
    assert 'data-block-id="b1"' in html
    assert 'data-value="7"' in html
    assert 'data-type="button"' in html
    assert "bk-button-primary" in html


def test_accessory_selects_overflow_and_datepicker(ctx: RenderContext) -> None:
    choices = [option("One", "1"), option("Two", "2")]
    for accessory, expected in [
        (
            {
                "type": "static_select",
                "action_id": "pick",
                "options": choices,
                "initial_option": choices[1],
            },
            '<option value="2" selected>Two</option>',
        ),
        ({"type": "overflow", "action_id": "more", "options": choices}, "bk-overflow"),
        (
            {"type": "datepicker", "action_id": "day", "initial_date": "2026-11-26"},
            'type="date" name="s" value="2026-11-26"',
        ),
        ({"type": "image", "image_url": "https://i.example/x.png", "alt_text": "pic"}, "🖼 pic"),
    ]:
        block = {"type": "section", "block_id": "s", "text": md("x"), "accessory": accessory}
        html = render_block(block, ctx)
        assert expected in html, (accessory["type"], html)
        if accessory["type"] != "image":
            assert f'data-action-id="{accessory["action_id"]}"' in html


def test_actions_buttons_with_styles_and_a_confirm_dialog(ctx: RenderContext) -> None:
    block = {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {"type": "button", "action_id": "ok", "text": pt("OK"), "style": "primary"},
            {
                "type": "button",
                "action_id": "leave",
                "value": "3",
                "text": pt("Leave"),
                "style": "danger",
                "confirm": {
                    "title": pt("Leave this program?"),
                    "text": pt("You won't be matched <any more>."),
                    "confirm": pt("Leave"),
                    "deny": pt("Cancel"),
                    "style": "danger",
                },
            },
            {"type": "button", "action_id": "docs", "text": pt("Docs"), "url": "https://x.example"},
        ],
    }
    html = render_block(block, ctx)
    assert html.count("<button") == 2
    assert "bk-button-primary" in html and "bk-button-danger" in html
    assert 'data-confirm="true"' in html
    assert '<template class="bk-confirm" data-style="danger">' in html
    assert "Leave this program?" in html and "&lt;any more&gt;" in html
    assert '<a class="bk-el bk-button" href="https://x.example"' in html
    assert 'data-action-id="docs"' in html


def test_actions_with_every_kind_of_choice(ctx: RenderContext) -> None:
    choices = [option("A", "a"), option("B", "b")]
    block = {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {"type": "static_select", "action_id": "s1", "options": choices},
            {
                "type": "multi_static_select",
                "action_id": "s2",
                "options": choices,
                "initial_options": choices,
            },
            {"type": "checkboxes", "action_id": "c", "options": choices},
            {"type": "radio_buttons", "action_id": "r", "options": choices},
            {"type": "timepicker", "action_id": "t", "initial_time": "09:30"},
            {"type": "users_select", "action_id": "u", "initial_user": "U02BEN"},
            {"type": "conversations_select", "action_id": "cv"},
        ],
    }
    html = render_block(block, ctx)
    for action_id in ("s1", "s2", "c", "r", "t", "u", "cv"):
        assert f'data-action-id="{action_id}"' in html
    assert "multiple" in html
    assert 'type="checkbox"' in html and 'type="radio"' in html
    assert 'type="time" name="acts" value="09:30"' in html
    assert '<option value="U02BEN" selected>Ben Carter</option>' in html
    assert '<option value="C0GENERAL">#general</option>' in html
    assert "Max Keller" not in html  # deactivated people cannot be picked


def test_image_block_is_a_labelled_link_not_a_fetch(ctx: RenderContext) -> None:
    html = render_block(
        {
            "type": "image",
            "image_url": "https://i.example/chart.png",
            "alt_text": "a chart",
            "title": pt("Matches"),
        },
        ctx,
    )
    assert "Matches" in html and "🖼 a chart" in html
    assert 'href="https://i.example/chart.png"' in html and "<img" not in html
    unsafe = render_block(
        {"type": "image", "image_url": "javascript:alert(1)", "alt_text": "x"}, ctx
    )
    assert "href" not in unsafe


def test_image_of_a_slack_file_is_shown_from_the_sandbox_itself(ctx: RenderContext) -> None:
    html = render_block(
        {"type": "image", "slack_file": {"id": "F0CHART"}, "alt_text": "Chart of <Leads>"}, ctx
    )
    assert '<img class="bk-file-img" src="/api/file?id=F0CHART"' in html
    assert 'alt="Chart of &lt;Leads&gt;"' in html
    odd = render_block(
        {"type": "image", "slack_file": {"id": 'F1"><script>'}, "alt_text": "x"}, ctx
    )
    assert "<script>" not in odd and 'src="/api/file?id=F1%22%3E%3Cscript%3E"' in odd


def input_block(element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": "f", "label": pt("Field"), "element": element, **extra}


def test_input_text_fields_single_and_multiline(ctx: RenderContext) -> None:
    single = render_block(
        input_block(
            {
                "type": "plain_text_input",
                "action_id": "f",
                "placeholder": pt("e.g. python"),
                "initial_value": 'say "hi" <b>',
                "max_length": 40,
            },
            hint=pt("Comma-separated"),
        ),
        ctx,
    )
    assert '<label class="bk-label" for="bk-f">Field</label>' in single
    assert 'name="f"' in single and 'placeholder="e.g. python"' in single
    assert 'maxlength="40"' in single
    assert 'value="say &quot;hi&quot; &lt;b&gt;"' in single
    assert "Comma-separated" in single
    assert 'data-optional="false"' in single and "(optional)" not in single

    multi = render_block(
        input_block(
            {"type": "plain_text_input", "action_id": "f", "multiline": True, "initial_value": "x"},
            optional=True,
        ),
        ctx,
    )
    assert '<textarea class="bk-control" rows="4" id="bk-f" name="f">x</textarea>' in multi
    assert "(optional)" in multi and 'data-optional="true"' in multi


def test_input_number_field_carries_its_bounds(ctx: RenderContext) -> None:
    html = render_block(
        input_block(
            {
                "type": "number_input",
                "action_id": "f",
                "is_decimal_allowed": False,
                "min_value": "0",
                "max_value": "100",
                "initial_value": "60",
            }
        ),
        ctx,
    )
    assert 'type="number"' in html and 'min="0"' in html and 'max="100"' in html
    assert 'step="1"' in html and 'value="60"' in html


def test_input_choices_show_their_initial_values(ctx: RenderContext) -> None:
    choices = [option("Mentor", "mentor"), option("Mentee", "mentee")]
    radio = render_block(
        input_block(
            {
                "type": "radio_buttons",
                "action_id": "f",
                "options": choices,
                "initial_option": choices[1],
            }
        ),
        ctx,
    )
    assert 'value="mentee" checked' in radio and 'value="mentor" checked' not in radio
    boxes = render_block(
        input_block(
            {
                "type": "checkboxes",
                "action_id": "f",
                "options": choices,
                "initial_options": [choices[0]],
            }
        ),
        ctx,
    )
    assert 'value="mentor" checked' in boxes
    select = render_block(
        input_block({"type": "static_select", "action_id": "f", "options": choices}), ctx
    )
    assert '<option value="" selected>Select an item</option>' in select
    multi = render_block(
        input_block(
            {
                "type": "multi_users_select",
                "action_id": "f",
                "initial_users": ["U01ADA", "U03CAM"],
            }
        ),
        ctx,
    )
    assert '<option value="U01ADA" selected>Ada Whitfield</option>' in multi
    assert '<option value="U03CAM" selected>Camila Souza</option>' in multi
    assert '<option value="U02BEN">Ben Carter</option>' in multi


def test_input_pickers(ctx: RenderContext) -> None:
    date = render_block(
        input_block({"type": "datepicker", "action_id": "f", "initial_date": "2026-12-01"}), ctx
    )
    assert 'type="date"' in date and 'value="2026-12-01"' in date
    time = render_block(
        input_block({"type": "timepicker", "action_id": "f", "initial_time": "10:00"}), ctx
    )
    assert 'type="time"' in time and 'value="10:00"' in time
    when = render_block(
        input_block({"type": "datetimepicker", "action_id": "f", "initial_date_time": 1795683600}),
        ctx,
    )
    assert 'type="datetime-local"' in when and 'value="2026-11-26T18:00"' in when  # Tokyo


def test_input_shows_the_draft_and_the_error_under_the_field(ctx: RenderContext) -> None:
    element = {"type": "plain_text_input", "action_id": "f", "initial_value": "old"}
    drafted = RenderContext(
        ctx.workspace,
        values={"f": "what I typed <b>"},
        errors={"f": "Name at least one <thing>."},
    )
    html = render_block(input_block(element), drafted)
    assert 'value="what I typed &lt;b&gt;"' in html and "old" not in html
    error = '<div class="field-error" data-testid="field-error-f">'
    assert f"{error}Name at least one &lt;thing&gt;.</div>" in html
    assert "has-error" in html
    assert REQUIRED_MESSAGE.endswith(".")


def test_rich_text_minimal(ctx: RenderContext) -> None:
    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Hi <you> ", "style": {"bold": True}},
                    {"type": "user", "user_id": "U02BEN"},
                    {"type": "link", "url": "https://x.example", "text": "site"},
                    {"type": "link", "url": "javascript:alert(1)", "text": "bad"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]}
                ],
            },
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "x = 1"}]},
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": "said"}]},
        ],
    }
    html = render_block(block, ctx)
    assert "<b>Hi &lt;you&gt; </b>" in html
    assert "@Ben Carter" in html
    assert 'href="https://x.example"' in html and "javascript" not in html
    assert "<ul><li><div>one</div></li></ul>" in html
    assert '<pre class="mrkdwn-pre">x = 1</pre>' in html
    assert "<blockquote>said</blockquote>" in html


def test_unknown_and_malformed_blocks_show_a_note_instead_of_failing(ctx: RenderContext) -> None:
    html = render_blocks(
        [
            {"type": "video", "title": pt("x")},
            {"type": "<script>"},
            "not a block",
            {"type": "section", "text": md("still shown")},
            {"type": "actions", "elements": [{"type": "workflow_button", "action_id": "w"}]},
        ],
        ctx,
    )
    assert "unsupported block: video" in html
    assert "unsupported block: &lt;script&gt;" in html
    assert "unsupported block: not an object" in html
    assert "still shown" in html
    assert "unsupported element: workflow_button" in html


def test_user_text_in_every_slot_is_escaped(ctx: RenderContext) -> None:
    evil = '<script>alert("x")</script>'
    choices = [{"text": pt(evil), "value": evil, "description": pt(evil)}]
    blocks = [
        {"type": "header", "text": pt(evil)},
        {"type": "section", "block_id": evil, "text": pt(evil), "fields": [pt(evil)]},
        {"type": "context", "elements": [pt(evil)]},
        {
            "type": "actions",
            "block_id": evil,
            "elements": [
                {"type": "button", "action_id": evil, "value": evil, "text": pt(evil)},
                {"type": "static_select", "action_id": "s", "options": choices},
                {"type": "checkboxes", "action_id": "c", "options": choices},
            ],
        },
        {
            "type": "input",
            "block_id": evil,
            "label": pt(evil),
            "hint": pt(evil),
            "element": {"type": "plain_text_input", "action_id": evil, "initial_value": evil},
        },
    ]
    html = render_blocks(blocks, RenderContext(ctx.workspace, errors={evil: evil}))
    assert "<script" not in html
    assert '"x"' not in html  # quotes inside attributes and text are entities
