"""Board routes, one module per responsibility; what they share is in tenants/boards/rendering.py."""
from tenants.boards import bp, display
from tenants.boards.rendering import (board_changed, board_of_client, card_or_404, column_or_404,  # noqa: F401
                                      columns_context, current_filter, refuse)

display.register(bp)  # the template filters and helpers, once (the views' modules all import this one)
