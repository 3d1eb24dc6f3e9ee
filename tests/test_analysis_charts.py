"""Charts of analysis.charts, checked by inspecting the figures they return."""

from __future__ import annotations

import string
import warnings
from pathlib import Path

import matplotlib.colors as mcolors
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from analysis import charts, fonts
from analysis.labels import LABELS, LANGS, label, policy_name
from analysis.metrics import HEADLINE_METRICS
from analysis.outputs import RunOutputs, load_outputs
from analysis.palette import FIXED_COLORS, PALETTE, policy_colors
from analysis.synthetic import write_synthetic_outputs, write_synthetic_sweep


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> RunOutputs:
    out = write_synthetic_outputs(tmp_path_factory.mktemp("compare"), days=10,
                                  cases_per_day=40)
    return load_outputs(out)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> RunOutputs:
    out = write_synthetic_sweep(tmp_path_factory.mktemp("sweep"), arrival_scales=(0.8, 1.2),
                                workers_per_grid=(1, 2), replications=3, days=4)
    return load_outputs(out)


def _same(a: object, b: object) -> bool:
    return mcolors.to_hex(a) == mcolors.to_hex(b)


def _policy_lines(ax, policies: list[str]) -> list[Line2D]:
    return [line for line in ax.get_lines() if line.get_label() in policies]


def _policy_markers(ax, policies: list[str]) -> dict[str, Line2D]:
    """Marker line of each error bar (the label sits on the container) by policy."""
    return {c.get_label(): c.lines[0] for c in ax.containers if c.get_label() in policies}


@pytest.mark.parametrize("lang", LANGS)
def test_ecdf_has_one_line_per_policy_and_deadlines(outputs: RunOutputs, lang: str) -> None:
    fig = charts.resolution_ecdf(outputs.cases, policies=outputs.policies, lang=lang)
    ax = fig.axes[0]
    names = [policy_name(p, lang) for p in outputs.policies]  # 人工派单+转办 in Chinese
    lines = _policy_lines(ax, names)
    assert [line.get_label() for line in lines] == names
    deadlines = sorted(line.get_xdata()[0] for line in ax.get_lines()
                       if line.get_label() not in names)
    assert deadlines == [24.0, 168.0, 360.0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == label("ecdf_x", lang)
    assert ax.get_ylabel() == label("ecdf_y", lang)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == names
    assert ax.get_legend().get_title().get_text() == label("policy", lang)
    # open cases keep every curve below 1
    assert all(max(line.get_ydata()) < 1 for line in lines)


def test_axis_labels_differ_by_language(outputs: RunOutputs) -> None:
    en = charts.resolution_ecdf(outputs.cases, lang="en").axes[0]
    zh = charts.resolution_ecdf(outputs.cases, lang="zh").axes[0]
    assert en.get_xlabel() == "resolution time (h, log scale)"
    assert zh.get_xlabel() == "办结时长（小时，对数坐标）"


def test_colours_are_consistent_across_charts(outputs: RunOutputs) -> None:
    colors = policy_colors(outputs.policies)
    ecdf = charts.resolution_ecdf(outputs.cases, policies=outputs.policies)
    backlog = charts.backlog_over_time(outputs.backlog, policies=outputs.policies)
    headline = charts.headline_metrics(outputs.summary, policies=outputs.policies)
    for policy in outputs.policies:
        (ecdf_line,) = [ln for ln in ecdf.axes[0].get_lines() if ln.get_label() == policy]
        (backlog_line,) = [ln for ln in backlog.axes[0].get_lines()
                           if ln.get_label() == policy]
        marker = _policy_markers(headline.axes[0], outputs.policies)[policy]
        assert _same(ecdf_line.get_color(), colors[policy])
        assert _same(backlog_line.get_color(), colors[policy])
        assert _same(marker.get_color(), colors[policy])


def test_policy_colours_do_not_depend_on_order() -> None:
    names = ["manual+transfer", "algorithmic+whistle", "algorithmic+transfer"]
    assert policy_colors(names) == policy_colors(reversed(names))
    many = policy_colors(f"p{i:02d}" for i in range(len(PALETTE) - len(FIXED_COLORS)))
    assert len(set(many.values())) == len(many)  # distinct while the palette lasts


def test_a_policy_keeps_its_colour_across_reports() -> None:
    demo = policy_colors(["manual+transfer", "algorithmic+transfer", "algorithmic+whistle"])
    other = policy_colors(["algorithmic+whistle", "risk_priority+transfer"])
    assert demo["algorithmic+whistle"] == other["algorithmic+whistle"] == "#009E73"
    alone = policy_colors(["risk_priority+transfer"])["risk_priority+transfer"]
    assert other["risk_priority+transfer"] == alone  # from its label, not its company
    assert alone not in FIXED_COLORS.values()


@pytest.mark.parametrize("lang", LANGS)
def test_headline_small_multiples(outputs: RunOutputs, lang: str) -> None:
    fig = charts.headline_metrics(outputs.summary, policies=outputs.policies, lang=lang)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == len(HEADLINE_METRICS)
    assert panels[1].get_title() == label("p90_resolution_h", lang)
    assert panels[2].get_title() == label("on_time_close_rate", lang) + label(
        "percent_suffix", lang)
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)
    names = [policy_name(p, lang) for p in outputs.policies]
    assert [t.get_text() for t in legend.get_texts()] == names
    for ax in panels:
        assert list(_policy_markers(ax, names)) == names


@pytest.mark.parametrize("band", ["ci", "minmax"])
def test_backlog_mean_line_and_band_per_policy(outputs: RunOutputs, band: str) -> None:
    fig = charts.backlog_over_time(outputs.backlog, policies=outputs.policies, band=band,
                                   warmup_h=24, lang="zh")
    ax = fig.axes[0]
    names = [policy_name(p, "zh") for p in outputs.policies]
    assert names[0] != outputs.policies[0]  # the synthetic policies have Chinese names
    assert len(_policy_lines(ax, names)) == len(outputs.policies)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(outputs.policies)
    assert ax.get_xlabel() == label("backlog_x", "zh")
    assert ax.get_ylabel() == label("backlog_y", "zh")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == names


def test_workload_boxes_coloured_by_policy(outputs: RunOutputs) -> None:
    colors = policy_colors(outputs.policies)
    fig = charts.workload_distribution(outputs.resources, policies=outputs.policies)
    busy_ax, cases_ax = fig.axes[:2]
    assert busy_ax.get_ylabel() == label("busy_h_per_worker", "en")
    assert cases_ax.get_ylabel() == label("cases_per_worker", "en")
    boxes = [p for p in busy_ax.patches]
    assert len(boxes) == len(outputs.policies)
    for patch, policy in zip(boxes, outputs.policies, strict=True):
        assert _same(patch.get_facecolor()[:3], colors[policy])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == outputs.policies


@pytest.mark.parametrize("metric", ["resolution", "busy"])
def test_grid_map_one_panel_per_policy(outputs: RunOutputs, metric: str) -> None:
    fig = charts.grid_map(outputs.grids, cases=outputs.cases, resources=outputs.resources,
                          metric=metric, policies=outputs.policies, lang="zh")
    names = [policy_name(p, "zh") for p in outputs.policies]
    panels = [ax for ax in fig.axes if ax.get_title() in names]
    assert [ax.get_title() for ax in panels] == names
    for ax in panels:
        (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert len(points.get_offsets()) == len(outputs.grids)
    assert panels[0].get_xlabel() == label("x_km", "zh")


def test_escalation_funnel_tiers_and_whistles(outputs: RunOutputs) -> None:
    fig = charts.escalation_funnel(outputs.cases, outputs.summary, policies=outputs.policies)
    tier_ax = fig.axes[0]
    ticks = [t.get_text().replace("\n", "") for t in tier_ax.get_xticklabels()]
    assert ticks == outputs.policies
    legend = [t.get_text() for t in tier_ax.get_legend().get_texts()]
    assert label("tier_grid", "en") in legend and label("tier_joint", "en") in legend
    # stacked shares add up to 100 % per policy
    tops = {}
    for bar in tier_ax.patches:
        x = round(bar.get_x(), 6)
        tops[x] = max(tops.get(x, 0), bar.get_y() + bar.get_height())
    assert all(top == pytest.approx(100) for top in tops.values())
    titles = [ax.get_title() for ax in fig.axes[1:]]
    assert titles == [label("whistles_per_100", "en"), label("whistle_dept_hours", "en")]


def test_sweep_lines_and_heatmap(sweep: RunOutputs) -> None:
    policies = sweep.policies
    fig = charts.sweep_lines(sweep.runs, "arrivals.scale", policies=policies, lang="zh")
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len(_policy_lines(ax, [policy_name(p, "zh") for p in policies])) == len(policies)
        assert ax.get_xlabel() == "需求量（现状的倍数）"  # a readable name, not the path
    assert fig.axes[0].get_ylabel() == label("p90_resolution_h", "zh")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == [f"{v:g}" for v in sorted(sweep.runs["arrivals.scale"].unique())]
    faceted = charts.sweep_lines(sweep.runs, "arrivals.scale", facet="organisation.grid_workers",
                                 policies=policies)
    assert len(faceted.axes) == 2 * sweep.runs["organisation.grid_workers"].nunique()
    assert faceted.axes[0].get_title().endswith("= 1")
    heat = charts.sweep_heatmap(sweep.runs, "arrivals.scale", "organisation.grid_workers",
                                policies=policies)
    images = [im for ax in heat.axes for im in ax.get_images() if isinstance(im, AxesImage)]
    assert len(images) == len(policies)
    assert images[0].get_array().shape == (2, 2)


def test_chinese_renders_with_a_cjk_font_and_saves_png_and_svg(outputs: RunOutputs,
                                                               tmp_path: Path) -> None:
    family = fonts.cjk_family()
    assert family is not None, "install pylopdf-fonts-zh-cn for Chinese charts"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = charts.escalation_funnel(outputs.cases, outputs.summary, lang="zh",
                                       save=tmp_path / "funnel")
        fig.savefig(tmp_path / "again.png")  # saved later, outside the chart's font settings
    missing = [w for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[0].message if missing else ""
    assert fig.axes[0].yaxis.label.get_fontfamily()[0] == family
    png = (tmp_path / "funnel.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "funnel.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_chinese_falls_back_to_english_without_cjk_font(outputs: RunOutputs,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="no CJK font"):
        fig = charts.resolution_ecdf(outputs.cases, lang="zh")
    assert fig.axes[0].get_xlabel() == label("ecdf_x", "en")


def test_every_label_has_both_languages_with_the_same_fields() -> None:
    fields = string.Formatter()
    for key, entry in LABELS.items():
        assert set(entry) == set(LANGS), key
        if not key.endswith("_sep"):  # separators may be blank
            assert all(entry[lang].strip() for lang in LANGS), key
        names = [{f for _, f, _, _ in fields.parse(entry[lang]) if f} for lang in LANGS]
        assert names[0] == names[1], key


def test_headline_panels_show_the_baseline_band_and_do_not_magnify(outputs: RunOutputs) -> None:
    fig = charts.headline_metrics(outputs.summary, policies=outputs.policies)
    panels = [ax for ax in fig.axes if ax.get_title()]
    for ax in panels:
        assert ax.patches, "the baseline's interval is drawn as a band"
    rate = next(ax for ax in panels if ax.get_title().startswith(label("response_rate", "en")))
    low, high = rate.get_ylim()
    assert high - low >= charts.MIN_SPAN_PP - 1e-9


def test_ecdf_curves_differ_in_dash_pattern(outputs: RunOutputs) -> None:
    fig = charts.resolution_ecdf(outputs.cases, policies=outputs.policies)
    lines = _policy_lines(fig.axes[0], outputs.policies)
    assert lines[0].get_linestyle() == "-" and all(ln.get_linestyle() == "--" for ln in lines[1:])
    dashes = {tuple(ln._dash_pattern[1] or ()) for ln in lines}  # matplotlib's own pattern
    assert len(dashes) == len(lines)
    widths = [ln.get_linewidth() for ln in lines]
    assert widths == sorted(widths, reverse=True)  # the first, widest, underneath
