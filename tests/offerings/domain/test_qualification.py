from decimal import Decimal

import pytest

from offerings.domain.qualification import (
    EventKind,
    OfferingKind,
    Thresholds,
    change_of_control_triggers,
    qualifies_automatic,
    qualifies_voluntary,
)

CONTRACT = Thresholds()
PIPE = OfferingKind.PIPE
UNDERWRITTEN = OfferingKind.UNDERWRITTEN


@pytest.mark.parametrize(
    ("kind", "gross", "expected"),
    [
        (PIPE, Decimal("3000000.00"), True),  # "not less than $3,000,000"
        (PIPE, Decimal("2999999.99"), False),
        (PIPE, Decimal("5000000"), True),
        (UNDERWRITTEN, Decimal("10000000"), False),  # §5.1 speaks only of PIPEs
    ],
)
def test_qualifies_voluntary(kind, gross, expected):
    assert qualifies_voluntary(kind, gross, CONTRACT) is expected


@pytest.mark.parametrize(
    ("kind", "gross", "expected"),
    [
        (PIPE, Decimal("5000000.00"), True),  # "not less than $5,000,000"
        (PIPE, Decimal("4999999.99"), False),
        (PIPE, Decimal("3000000"), False),
        (UNDERWRITTEN, Decimal("5000000.00"), False),  # "in excess of": not at exactly
        (UNDERWRITTEN, Decimal("5000000.01"), True),
    ],
)
def test_qualifies_automatic(kind, gross, expected):
    assert qualifies_automatic(kind, gross, CONTRACT) is expected


def test_kinds_are_accepted_as_stored_strings():
    assert qualifies_voluntary("pipe", Decimal("3000000"), CONTRACT)
    assert not qualifies_automatic("underwritten_public_offering", Decimal("5000000"), CONTRACT)


def test_series_thresholds_replace_the_contract_figures():
    series = Thresholds(voluntary=Decimal("2000000"), automatic=Decimal("4000000"))
    assert qualifies_voluntary(PIPE, Decimal("2000000"), series)
    assert qualifies_automatic(PIPE, Decimal("4000000"), series)
    assert qualifies_automatic(UNDERWRITTEN, Decimal("4000000.01"), series)
    assert not qualifies_automatic(UNDERWRITTEN, Decimal("4000000"), series)


def test_unknown_offering_kind_is_refused():
    with pytest.raises(ValueError):
        qualifies_voluntary("rights_offering", Decimal("9000000"), CONTRACT)


@pytest.mark.parametrize("kind", [EventKind.MERGER, EventKind.ASSET_SALE])
def test_merger_and_asset_sale_always_trigger(kind):
    assert change_of_control_triggers(kind, voting_power_pct=None)


def test_voting_transfer_must_exceed_fifty_percent():
    transfer = EventKind.VOTING_POWER_TRANSFER
    assert not change_of_control_triggers(transfer, voting_power_pct=Decimal("50"))
    assert change_of_control_triggers(transfer, voting_power_pct=Decimal("50.01"))


def test_related_transfers_fire_on_the_one_that_crosses_and_not_after():
    transfer = EventKind.VOTING_POWER_TRANSFER
    assert not change_of_control_triggers(transfer, voting_power_pct=Decimal("30"))
    # 30% + 25% = 55%: the second event takes the series past 50%.
    assert change_of_control_triggers(
        transfer, voting_power_pct=Decimal("25"), related_pcts=[Decimal("30")]
    )
    # A third related event: the series was already past 50%, so no new trigger.
    assert not change_of_control_triggers(
        transfer, voting_power_pct=Decimal("10"), related_pcts=[Decimal("30"), Decimal("25")]
    )


def test_related_transfers_reaching_exactly_fifty_do_not_fire():
    assert not change_of_control_triggers(
        EventKind.VOTING_POWER_TRANSFER,
        voting_power_pct=Decimal("20"),
        related_pcts=[Decimal("30")],
    )


def test_voting_threshold_is_a_series_term():
    assert change_of_control_triggers(
        EventKind.VOTING_POWER_TRANSFER,
        voting_power_pct=Decimal("40.5"),
        thresholds=Thresholds(voting_power_pct=Decimal("40")),
    )


@pytest.mark.parametrize(
    ("pct", "related"),
    [
        (None, ()),
        (Decimal("0"), ()),
        (Decimal("-5"), ()),
        (Decimal("100.01"), ()),
        (Decimal("20"), (Decimal("0"),)),
        (Decimal("20"), (Decimal("101"),)),
    ],
)
def test_voting_transfer_percentages_are_validated(pct, related):
    with pytest.raises(ValueError, match="percentage"):
        change_of_control_triggers(
            EventKind.VOTING_POWER_TRANSFER, voting_power_pct=pct, related_pcts=related
        )


def test_whole_voting_power_is_accepted():
    assert change_of_control_triggers(
        EventKind.VOTING_POWER_TRANSFER, voting_power_pct=Decimal("100")
    )
