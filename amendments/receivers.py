"""What the amendments app does when the register's daily cycle starts."""

from amendments.services import amendments_effect_check_pending


def amendments_effect_before_servicing(sender, **kwargs) -> None:
    """An amendment whose consenting share passed 50% without a new consent takes effect."""
    amendments_effect_check_pending()
