"""Loaders on small fixture files: schemas, -1 codes, inference, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ganzoo_traffic.configs import Stats19Config, TableCSVConfig, USAccidentsConfig
from ganzoo_traffic.data.dataset import Stats19, TableCSV, TableDataset, USAccidents
from ganzoo_traffic.data.loaders import load_csv, load_stats19, load_us_accidents, stats19_canonical
from ganzoo_traffic.data.simulator import simulate_accidents

from ganzoo.registry.errors import DataError

OLD = {  # canonical -> old Title_Case header
    "accident_index": "Accident_Index", "longitude": "Longitude", "latitude": "Latitude",
    "accident_severity": "Accident_Severity", "number_of_vehicles": "Number_of_Vehicles",
    "number_of_casualties": "Number_of_Casualties", "day_of_week": "Day_of_Week",
    "road_type": "Road_Type", "speed_limit": "Speed_limit", "junction_detail": "Junction_Detail",
    "light_conditions": "Light_Conditions", "weather_conditions": "Weather_Conditions",
    "road_surface_conditions": "Road_Surface_Conditions", "urban_or_rural_area": "Urban_or_Rural_Area",
    "local_authority_district": "Local_Authority_(District)",
}


def stats19_frame(n: int = 60, schema: str = "new") -> pd.DataFrame:
    sim = simulate_accidents(n, seed=5)
    frame = sim.drop(columns=["hour", "month"]).copy()
    frame.insert(0, "accident_index", [f"2019{i:08d}" for i in range(n)])
    frame["date"] = [f"{1 + i % 28:02d}/{m:02d}/2019" for i, m in enumerate(sim["month"])]
    frame["time"] = [f"{h:02d}:{(7 * i) % 60:02d}" for i, h in enumerate(sim["hour"])]
    frame["local_authority_district"] = 300 + (sim.index % 4)
    frame.loc[[2, 7], "weather_conditions"] = -1
    frame.loc[4, "latitude"] = None
    if schema == "old":
        frame = frame.rename(columns={**OLD, "date": "Date", "time": "Time"})
    elif schema == "collision":
        frame = frame.rename(columns=lambda c: c.replace("accident", "collision"))
    return frame


@pytest.mark.parametrize("schema", ["old", "new", "collision"])
def test_stats19_schemas_normalise_to_one_table(tmp_path: Path, schema: str) -> None:
    path = tmp_path / "collisions.csv"
    stats19_frame(schema=schema).to_csv(path, index=False)
    table = load_stats19(path)
    assert list(table.frame.columns)[0] == "accident_severity"
    assert table.frame["weather_conditions"].isna().sum() == 2  # -1 -> missing
    assert table.frame["latitude"].isna().sum() == 1
    assert table.frame["hour"].between(0, 23).all() and table.frame["month"].between(1, 12).all()
    assert table.kinds["speed_limit"] == "categorical" and table.kinds["latitude"] == "continuous"
    expected = {"old": "Accident_Severity", "new": "accident_severity", "collision": "collision_severity"}[schema]
    assert table.names["accident_severity"] == expected


def test_stats19_export_uses_the_file_header_and_minus_one(tmp_path: Path) -> None:
    path = tmp_path / "Accidents2015.csv"
    stats19_frame(80, schema="old").to_csv(path, index=False)
    ds = Stats19(Stats19Config(path=path, split="train", val_fraction=0.0, test_fraction=0.0, max_fit_rows=200))
    rows = pd.read_csv(TableDataset.export(ds._x, tmp_path / "out", ds.describe())[0])
    assert "Weather_Conditions" in rows.columns and "Accident_Severity" in rows.columns
    assert (rows["Weather_Conditions"] == -1).sum() == 2


def test_stats19_header_canonicalisation() -> None:
    assert stats19_canonical("Local_Authority_(District)") == "local_authority_district"
    assert stats19_canonical("1st_Road_Class") == "first_road_class"
    assert stats19_canonical("Pedestrian_Crossing-Human_Control") == "pedestrian_crossing_human_control"
    assert stats19_canonical("did_police_officer_attend_scene_of_collision") == "did_police_officer_attend_scene_of_accident"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.assign(road_type=f["road_type"].where(f.index != 3, 42)), r"line 5: column 'road_type': unknown code 42"),
        (lambda f: f.assign(number_of_vehicles=f["number_of_vehicles"].astype(str).where(f.index != 1, "two")), r"line 3: column 'number_of_vehicles': 'two' is not a number"),
        (lambda f: f.assign(junction_detail=None), r"'junction_detail' is empty"),
        (lambda f: f.assign(accident_severity=f["accident_severity"].where(f.index != 6, None)), r"line 8: column 'accident_severity': missing value in a required column"),
        (lambda f: f.drop(columns=["speed_limit"]), r"column 'speed_limit' is not in the file"),
        (lambda f: f.assign(time=f["time"].where(f.index != 0, "25h")), r"line 2: column 'time': '25h' is not a time"),
    ],
)
def test_malformed_stats19_errors_name_file_and_column(tmp_path: Path, edit, message: str) -> None:
    path = tmp_path / "bad.csv"
    edit(stats19_frame()).to_csv(path, index=False)
    with pytest.raises(DataError, match=message) as info:
        load_stats19(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def us_frame(n: int = 40) -> pd.DataFrame:
    sim = simulate_accidents(n, seed=2)
    frame = pd.DataFrame({
        "ID": [f"A-{i}" for i in range(n)],
        "Severity": 1 + sim["accident_severity"] % 4,
        "Start_Time": [f"2021-0{1 + i % 9}-1{i % 10} {i % 24:02d}:15:00" + (".000000000" if i % 5 == 0 else "") for i in range(n)],
        "Start_Lat": sim["latitude"] - 20, "Start_Lng": sim["longitude"] - 90,
        "Distance(mi)": sim["number_of_casualties"] * 0.3, "Temperature(F)": 40 + sim["hour"],
        "Humidity(%)": 50 + sim["month"], "Pressure(in)": 29.9, "Visibility(mi)": 10.0,
        "Wind_Speed(mph)": sim["day_of_week"] * 1.5, "Precipitation(in)": None,
        "Weather_Condition": sim["weather_conditions"].map({1: "Fair", 2: "Rain"}).fillna("Cloudy"),
        "Sunrise_Sunset": ["Day" if 6 < h < 19 else "Night" for h in sim["hour"]],
    })
    for i, name in enumerate(["Amenity", "Bump", "Crossing", "Give_Way", "Junction", "No_Exit", "Railway",
                              "Roundabout", "Station", "Stop", "Traffic_Calming", "Traffic_Signal", "Turning_Loop"]):
        frame[name] = ["True" if (j + i) % 7 == 0 else "False" for j in range(n)]
    frame.loc[::4, "Precipitation(in)"] = 0.01
    frame.loc[3, "Temperature(F)"] = None
    return frame


def test_us_accidents_types(tmp_path: Path) -> None:
    path = tmp_path / "US_Accidents_March23.csv"
    us_frame().to_csv(path, index=False)
    table = load_us_accidents(path)
    assert table.kinds["Start_Time"] == "datetime" and table.kinds["Amenity"] == "boolean"
    assert table.frame["Start_Time"].dtype.kind == "M" and table.frame["Amenity"].dtype == bool
    assert table.frame["Temperature(F)"].isna().sum() == 1
    ds = USAccidents(USAccidentsConfig(path=path, val_fraction=0.0, test_fraction=0.0, max_fit_rows=100))
    back = pd.read_csv(TableDataset.export(ds._x, tmp_path / "out", ds.describe())[0])
    assert list(back.columns) == list(table.frame.columns)
    assert set(back["Sunrise_Sunset"]) <= {"Day", "Night"}
    bad = us_frame().assign(Bump="maybe")
    bad.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"line 2: column 'Bump': 'maybe' is not True/False"):
        load_us_accidents(path)


def test_generic_csv_inference_and_declarations(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    pd.DataFrame({
        "code": [1, 2, 1, 2, 1, 2] * 5,
        "year": [1997, 1998, 1999, 2000, 2001, 2002] * 5,
        "count": list(range(30)),
        "value": [0.5 * i for i in range(30)],
        "label": ["a", "b", "c"] * 10,
        "flag": ["true", "false"] * 15,
        "day": [f"2020-01-{1 + i % 28:02d}" for i in range(30)],
        "gappy": [None if i % 3 == 0 else float(i) + 0.5 for i in range(30)],
    }).to_csv(path, index=False)
    table = load_csv(TableCSVConfig(path=path))
    assert table.kinds == {"code": "categorical", "year": "integer", "count": "integer", "value": "continuous",
                           "label": "categorical",
                           "flag": "boolean", "day": "datetime", "gappy": "continuous"}
    declared = load_csv(TableCSVConfig(path=path, categorical=["count"], kinds={"code": "integer"}, columns=["code", "value"]))
    assert declared.kinds == {"code": "integer", "value": "continuous", "count": "categorical"}
    ds = TableCSV(TableCSVConfig(path=path, target="label", val_fraction=0.0, test_fraction=0.0, max_fit_rows=100))
    assert ds.describe().meta["table"]["target"] == "label"
    with pytest.raises(DataError, match=r"line 2: column 'gappy': missing value in a required column"):
        load_csv(TableCSVConfig(path=path, required=["gappy"]))
    with pytest.raises(DataError, match=r"not a column of the file: 'nope' \(from categorical\)$"):
        load_csv(TableCSVConfig(path=path, categorical=["nope"]))


def test_generic_csv_names_every_unknown_column_at_once(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    pd.DataFrame({"year": [1990, 1995, 2000], "value": [1.0, 2.0, 3.0], "label": ["a", "b", "a"]}).to_csv(
        path, index=False
    )
    config = TableCSVConfig(path=path, target="lable", constraints=["yaer <= value + 2000", "value >= 0"],
                            columns=["value", "zzz"], required=["value"])
    with pytest.raises(DataError) as caught:
        load_csv(config)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(
        "not a column of the file: 'zzz' (from columns), 'lable' (from target; did you mean 'label'?), "
        "'yaer' (from constraint 'yaer <= value + 2000'; did you mean 'year'?)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,x\n2,y\n", None),
        ("a,b\n1,\n2,\n", r"column 'b' is empty"),
        ("a,b\n" + "".join(f"{i},x\n" for i in range(40)) + "oops,x\n", r"line 42: column 'a': 'oops' is not a number"),
        ("", r"the file is empty"),
        ("a,b\n", r"no data rows"),
    ],
)
def test_generic_csv_malformed(tmp_path: Path, text: str, message: str | None) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    if message is None:
        assert len(load_csv(TableCSVConfig(path=path)).frame) == 2
    else:
        with pytest.raises(DataError, match=message):
            load_csv(TableCSVConfig(path=path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_csv(TableCSVConfig(path=tmp_path / "absent.csv"))


def test_bad_cell_line_counts_blank_lines(tmp_path: Path) -> None:
    """The reported line is the file's physical line: blank lines that pandas skips still count."""
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n\n\n2,y\n\noops,z\n")  # 'oops' sits on line 7
    with pytest.raises(DataError, match=r"t\.csv: line 7: column 'a': 'oops' is not a number"):
        load_csv(TableCSVConfig(path=path, kinds={"a": "continuous"}))
