"""Small PNG charts for moderators (`/kb stats`): questions asked and answered per day."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 720, 300
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_RIGHT = 48, 36, 36, 16
ASKED = (88, 101, 242)  # Discord blurple
ANSWERED = (87, 242, 135)
INK = (220, 221, 222)
BACKGROUND = (49, 51, 56)


def questions_per_day(per_day: list[tuple[int, int, int]], days: int, title: str) -> bytes:
    """A bar chart: for each of `days` days, questions asked and answered. PNG bytes."""
    counts = {day: (asked, answered) for day, asked, answered in per_day}
    top = max([asked for asked, _ in counts.values()] + [1])
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((MARGIN_LEFT, 10), title, fill=INK, font=font)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    base = HEIGHT - MARGIN_BOTTOM
    draw.line((MARGIN_LEFT, base, WIDTH - MARGIN_RIGHT, base), fill=INK)
    draw.text((4, MARGIN_TOP - 6), str(top), fill=INK, font=font)
    draw.text((4, base - 10), "0", fill=INK, font=font)
    slot = plot_w / max(days, 1)
    bar = max(1.0, slot * 0.4)
    for day in range(days):
        asked, answered = counts.get(day, (0, 0))
        x = MARGIN_LEFT + day * slot + slot * 0.1
        for offset, value, colour in ((0.0, asked, ASKED), (bar, answered, ANSWERED)):
            height = plot_h * value / top
            if height > 0:
                draw.rectangle((x + offset, base - height, x + offset + bar - 1, base),
                               fill=colour)
        if days <= 31 and (day % max(1, days // 10) == 0):
            draw.text((x, base + 6), f"d{day + 1}", fill=INK, font=font)
    legend_x = WIDTH - MARGIN_RIGHT - 200
    draw.rectangle((legend_x, 12, legend_x + 10, 22), fill=ASKED)
    draw.text((legend_x + 14, 10), "asked", fill=INK, font=font)
    draw.rectangle((legend_x + 80, 12, legend_x + 90, 22), fill=ANSWERED)
    draw.text((legend_x + 94, 10), "answered", fill=INK, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
