"""A local stand-in for a SageMaker training job of the built-in XGBoost algorithm.

`run_training_job(request, s3)` takes a CreateTrainingJob request exactly as the state machine sends it
(HyperParameters as strings, InputDataConfig channels with S3 prefixes, OutputDataConfig with S3OutputPath and
KmsKeyId, ...) and an S3 client holding the credentials of the job's execution role (RoleArn), and does what
the
SageMaker XGBoost container does with them:

- downloads every object under each channel's S3 prefix (text/csv: label in the first column, no header);
- trains with the hyperparameters (SageMaker names: ``num_round`` is the number of boosting rounds,
  ``eval_metric`` may list several metrics separated by commas, the others are XGBoost's own parameters);
- writes ``<S3OutputPath>/<TrainingJobName>/output/model.tar.gz``, holding the booster in a file named
  ``xgboost-model`` (as the container does), with SSE-KMS under ``OutputDataConfig.KmsKeyId`` when given;
- returns the job's FinalMetricDataList (``train:<metric>`` and ``validation:<metric>`` for each
eval_metric, the
  values of the last round, or of the best round with early stopping).

A bad request or bad data raises `TrainingJobFailed` whose ``reason`` reads like SageMaker's FailureReason
(``ClientError: ...`` for the caller's mistakes, ``AlgorithmError: ...`` for failures inside XGBoost).
Nothing here knows about the emulator: give it any S3 client.
"""

from __future__ import annotations

import io
import math
import re
import tarfile
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xgboost as xgb

MODEL_FILE_NAME = "xgboost-model"
SUPPORTED_CONTENT_TYPES = ("text/csv", "csv")
MAX_CHANNEL_BYTES = 512 * 1024 * 1024


class TrainingJobFailed(Exception):
    """The job failed; ``reason`` is the FailureReason SageMaker would report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class TrainingResult:
    """What DescribeTrainingJob reports for a completed job."""

    model_data_url: str
    final_metrics: list[dict[str, Any]]
    best_iteration: int
    rows: dict[str, int]
    seconds: float
    output_kms_key_id: str | None
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# hyperparameters
def _to_int(value: str) -> int:
    return int(value)


def _to_float(value: str) -> float:
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError("not a finite number")
    return number


def _to_str(value: str) -> str:
    return value


# name -> (converter, check, expectation shown on failure)
_HYPERPARAMETERS: dict[str, tuple[Any, Any, str]] = {
    "num_round": (_to_int, lambda v: v >= 1, "an integer >= 1"),
    "objective": (
        _to_str,
        lambda v: (
            v
            in {
                "binary:logistic",
                "binary:logitraw",
                "binary:hinge",
                "reg:squarederror",
                "reg:logistic",
                "reg:squaredlogerror",
                "reg:pseudohubererror",
                "reg:absoluteerror",
                "count:poisson",
                "multi:softmax",
                "multi:softprob",
                "rank:pairwise",
                "rank:ndcg",
                "rank:map",
                "reg:gamma",
                "reg:tweedie",
                "survival:cox",
            }
        ),
        "an XGBoost objective such as binary:logistic",
    ),
    "eval_metric": (
        _to_str,
        lambda v: all(m.strip() for m in v.split(",")),
        "a comma-separated list of XGBoost metrics such as auc or auc,logloss",
    ),
    "eta": (_to_float, lambda v: 0 <= v <= 1, "a number in [0, 1]"),
    "gamma": (_to_float, lambda v: v >= 0, "a number >= 0"),
    "max_depth": (_to_int, lambda v: v >= 0, "an integer >= 0"),
    "min_child_weight": (_to_float, lambda v: v >= 0, "a number >= 0"),
    "max_delta_step": (_to_float, lambda v: v >= 0, "a number >= 0"),
    "subsample": (_to_float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "colsample_bytree": (_to_float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "colsample_bylevel": (_to_float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "colsample_bynode": (_to_float, lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "lambda": (_to_float, lambda v: v >= 0, "a number >= 0"),
    "alpha": (_to_float, lambda v: v >= 0, "a number >= 0"),
    "scale_pos_weight": (_to_float, lambda v: v > 0, "a number > 0"),
    "base_score": (_to_float, lambda v: True, "a number"),
    "tree_method": (
        _to_str,
        lambda v: v in {"auto", "exact", "approx", "hist"},
        "auto, exact, approx or hist",
    ),
    "grow_policy": (_to_str, lambda v: v in {"depthwise", "lossguide"}, "depthwise or lossguide"),
    "max_leaves": (_to_int, lambda v: v >= 0, "an integer >= 0"),
    "max_bin": (_to_int, lambda v: v >= 2, "an integer >= 2"),
    "num_class": (_to_int, lambda v: v >= 2, "an integer >= 2"),
    "seed": (_to_int, lambda v: True, "an integer"),
    "early_stopping_rounds": (_to_int, lambda v: v >= 1, "an integer >= 1"),
    "verbosity": (_to_int, lambda v: 0 <= v <= 3, "an integer in [0, 3]"),
    "nthread": (_to_int, lambda v: v >= 1, "an integer >= 1"),
    "tweedie_variance_power": (_to_float, lambda v: 1 < v < 2, "a number in (1, 2)"),
    "sketch_eps": (_to_float, lambda v: 0 < v < 1, "a number in (0, 1)"),
}
# SageMaker-only hyperparameters that do not reach xgboost.train's params.
_NOT_BOOSTER_PARAMS = {"num_round", "early_stopping_rounds", "eval_metric"}


def parse_hyperparameters(raw: dict[str, Any] | None) -> tuple[dict[str, Any], int, int | None, list[str]]:
    """Validate SageMaker-style string hyperparameters.

    Returns (booster params, num_round, early_stopping_rounds, eval metrics). Raises TrainingJobFailed.
    """
    raw = dict(raw or {})
    parsed: dict[str, Any] = {}
    for name, value in sorted(raw.items()):
        if name not in _HYPERPARAMETERS:
            raise TrainingJobFailed(
                f"ClientError: Hyperparameter '{name}' is not recognized by the XGBoost algorithm. "
                f"Known hyperparameters: {', '.join(sorted(_HYPERPARAMETERS))}."
            )
        convert, check, expected = _HYPERPARAMETERS[name]
        try:
            converted = convert(str(value).strip())
            ok = check(converted)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise TrainingJobFailed(
                f"ClientError: Hyperparameter '{name}' is {value!r}: it must be {expected}."
            )
        parsed[name] = converted
    if "num_round" not in parsed:
        raise TrainingJobFailed("ClientError: Missing required hyperparameter 'num_round'.")
    objective = parsed.setdefault("objective", "reg:squarederror")
    if objective.startswith("multi:") and "num_class" not in parsed:
        raise TrainingJobFailed(
            f"ClientError: Hyperparameter 'num_class' is required with objective {objective}."
        )
    metrics = [m.strip() for m in parsed.get("eval_metric", "").split(",") if m.strip()]
    params = {k: v for k, v in parsed.items() if k not in _NOT_BOOSTER_PARAMS}
    params.setdefault("verbosity", 0)
    # One thread: on small data OpenMP's thread start-up dominates (measured on a 2-core machine: 100 rounds
    # on
    # 1,200 rows take 0.17 s with 1 thread and 1.7 s with 2).
    params.setdefault("nthread", 1)
    if metrics:
        params["eval_metric"] = metrics
    return params, parsed["num_round"], parsed.get("early_stopping_rounds"), metrics


# --------------------------------------------------------------------------------------------------- S3 /
# data
def parse_s3_url(url: str) -> tuple[str, str]:
    """Split s3://bucket/key into (bucket, key); raise TrainingJobFailed when it is not an S3 URL."""
    if not isinstance(url, str) or not url.startswith("s3://") or len(url) <= 5:
        raise TrainingJobFailed(f"ClientError: {url!r} is not an S3 URL (expected s3://bucket/prefix).")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def parse_csv(text: str, where: str) -> np.ndarray:
    """Parse label-first, header-less numeric CSV into a 2-D float array; errors name the file and line."""
    rows: list[list[float]] = []
    width = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = line.split(",")
        try:
            values = [float(c) if c.strip() else math.nan for c in cells]
        except ValueError:
            bad = next(c for c in cells if not _is_number(c))
            hint = " (a header row? the CSV must have no header)" if number == 1 else ""
            raise TrainingJobFailed(
                f"ClientError: Unable to read data in {where}, line {number}: {bad.strip()[:40]!r} is not a "
                f"number{hint}. Expected numeric CSV, label in the first column, no header."
            ) from None
        if width is None:
            width = len(values)
            if width < 2:
                raise TrainingJobFailed(
                    f"ClientError: Unable to read data in {where}, line {number}: "
                    "one column only; expected the "
                    "label followed by at least one feature."
                )
        elif len(values) != width:
            raise TrainingJobFailed(
                f"ClientError: Unable to read data in {where}, line {number}: "
                f"{len(values)} columns where the "
                f"previous lines have {width}."
            )
        if math.isnan(values[0]):
            raise TrainingJobFailed(
                f"ClientError: Unable to read data in {where}, line {number}: the label is empty."
            )
        rows.append(values)
    if not rows:
        return np.empty((0, 0))
    return np.asarray(rows, dtype=np.float64)


def _is_number(cell: str) -> bool:
    if not cell.strip():
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_channel(s3: Any, channel: dict[str, Any]) -> np.ndarray:
    """Download and parse one InputDataConfig channel (S3Prefix or single object, text/csv)."""
    name = channel.get("ChannelName", "?")
    source = (channel.get("DataSource") or {}).get("S3DataSource")
    if not source:
        raise TrainingJobFailed(f"ClientError: Channel '{name}' has no DataSource.S3DataSource.")
    data_type = source.get("S3DataType", "S3Prefix")
    if data_type != "S3Prefix":
        raise TrainingJobFailed(
            f"ClientError: Channel '{name}': S3DataType {data_type} is not supported here (use S3Prefix)."
        )
    content_type = (channel.get("ContentType") or "text/csv").split(";")[0].strip().lower()
    if content_type not in SUPPORTED_CONTENT_TYPES:
        raise TrainingJobFailed(
            f"ClientError: Channel '{name}': ContentType {channel.get('ContentType')} "
            "is not supported by this "
            "local XGBoost (text/csv only)."
        )
    bucket, prefix = parse_s3_url(source.get("S3Uri", ""))
    keys: list[tuple[str, int]] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend((o["Key"], o["Size"]) for o in page.get("Contents", []) if not o["Key"].endswith("/"))
    except Exception as error:
        raise TrainingJobFailed(
            f"ClientError: Channel '{name}': cannot list {source['S3Uri']} with the execution role: {error}"
        ) from error
    if sum(size for _, size in keys) > MAX_CHANNEL_BYTES:
        raise TrainingJobFailed(f"ClientError: Channel '{name}' is larger than this local trainer accepts.")
    parts = []
    for key, _size in sorted(keys):
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as error:
            raise TrainingJobFailed(
                f"ClientError: Channel '{name}': cannot read s3://{bucket}/{key} "
                f"with the execution role: {error}"
            ) from error
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise TrainingJobFailed(
                f"ClientError: Unable to read data in channel '{name}' (s3://{bucket}/{key}): not UTF-8 text."
            ) from None
        array = parse_csv(text, f"channel '{name}' (s3://{bucket}/{key})")
        if array.size:
            parts.append(array)
    if not parts:
        raise TrainingJobFailed(f"ClientError: No data found in channel '{name}' ({source['S3Uri']}).")
    widths = {p.shape[1] for p in parts}
    if len(widths) > 1:
        raise TrainingJobFailed(
            f"ClientError: Channel '{name}': its files have different column counts {widths}."
        )
    return np.vstack(parts)


# ------------------------------------------------------------------------------------------------------ train
def train_booster(
    params: dict[str, Any], num_round: int, early_stopping: int | None, data: dict[str, np.ndarray]
) -> tuple[xgb.Booster, dict[str, dict[str, list[float]]]]:
    """Train like the container: watchlist train (+ validation); early stopping on validation."""
    matrices = {}
    for name, array in data.items():
        matrices[name] = xgb.DMatrix(array[:, 1:], label=array[:, 0], missing=math.nan)
    evals = [(matrices[n], n) for n in ("train", "validation") if n in matrices]
    history: dict[str, dict[str, list[float]]] = {}
    booster = xgb.train(
        params,
        matrices["train"],
        num_boost_round=num_round,
        evals=evals,
        evals_result=history,
        early_stopping_rounds=early_stopping if "validation" in matrices else None,
        verbose_eval=False,
    )
    return booster, history


def xgboost_message(error: Exception) -> str:
    """The useful part of an XGBoostError: its message without the time/source prefix and the stack trace."""
    text = str(error).split("Stack trace:")[0].strip()
    text = re.sub(r"^\[[0-9:]+\]\s+\S+:\d+:\s*", "", text)
    return text[:500] or "XGBoost failed"


def final_metrics(history: dict[str, dict[str, list[float]]], best: int | None) -> list[dict[str, Any]]:
    """FinalMetricDataList entries, validation first: value at the best round (early stopping) or the last."""
    result = []
    for channel in ("validation", "train"):
        for metric, values in history.get(channel, {}).items():
            index = best if best is not None and best < len(values) else len(values) - 1
            result.append({"MetricName": f"{channel}:{metric}", "Value": float(values[index])})
    return result


def model_archive(booster: xgb.Booster) -> bytes:
    """model.tar.gz holding the booster as `xgboost-model` (XGBoost's format, for Booster.load_model)."""
    raw = bytes(booster.save_raw(raw_format="ubj"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(MODEL_FILE_NAME)
        info.size = len(raw)
        info.mtime = int(time.time())
        archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def load_model_archive(data: bytes) -> xgb.Booster:
    """Load the booster from a model.tar.gz as SageMaker's XGBoost inference container does."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        try:
            member = archive.getmember(MODEL_FILE_NAME)
        except KeyError:
            raise ValueError(f"model.tar.gz holds no '{MODEL_FILE_NAME}' file") from None
        raw = archive.extractfile(member).read()  # type: ignore[union-attr]
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    return booster


def run_training_job(request: dict[str, Any], s3: Any) -> TrainingResult:
    """Run a CreateTrainingJob request locally; `s3` is an S3 client with the execution role's credentials."""
    started = time.monotonic()
    name = request.get("TrainingJobName")
    if not name:
        raise TrainingJobFailed("ClientError: TrainingJobName is missing.")
    params, num_round, early_stopping, _metrics = parse_hyperparameters(request.get("HyperParameters"))

    channels = {c.get("ChannelName"): c for c in request.get("InputDataConfig") or []}
    if "train" not in channels:
        raise TrainingJobFailed("ClientError: Channel 'train' is required (InputDataConfig has no 'train').")
    unknown = sorted(set(channels) - {"train", "validation"})
    if unknown:
        raise TrainingJobFailed(
            f"ClientError: Channel(s) {', '.join(map(str, unknown))} are not accepted "
            "by the XGBoost algorithm "
            "(train and validation only)."
        )
    data = {n: read_channel(s3, c) for n, c in channels.items()}
    if "validation" in data and data["validation"].shape[1] != data["train"].shape[1]:
        raise TrainingJobFailed(
            f"ClientError: Channel 'validation' has {data['validation'].shape[1] - 1} features and channel "
            f"'train' has {data['train'].shape[1] - 1}: they must have the same columns."
        )

    output = request.get("OutputDataConfig") or {}
    out_bucket, out_prefix = parse_s3_url(output.get("S3OutputPath", ""))
    key = "/".join(p for p in (out_prefix.strip("/"), name, "output", "model.tar.gz") if p)

    try:
        booster, history = train_booster(params, num_round, early_stopping, data)
    except xgb.core.XGBoostError as error:
        raise TrainingJobFailed(
            f"AlgorithmError: XGBoost training failed: {xgboost_message(error)}"
        ) from error
    best = getattr(booster, "best_iteration", None) if early_stopping else None
    metrics = final_metrics(history, best)

    put: dict[str, Any] = {"Bucket": out_bucket, "Key": key, "Body": model_archive(booster)}
    kms_key_id = output.get("KmsKeyId")
    if kms_key_id:
        put.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=kms_key_id)
    try:
        s3.put_object(**put)
    except Exception as error:
        raise TrainingJobFailed(
            f"ClientError: Unable to upload the model to s3://{out_bucket}/{key} "
            f"with the execution role: {error}"
        ) from error
    return TrainingResult(
        model_data_url=f"s3://{out_bucket}/{key}",
        final_metrics=metrics,
        best_iteration=int(best if best is not None else booster.num_boosted_rounds() - 1),
        rows={n: int(a.shape[0]) for n, a in data.items()},
        seconds=time.monotonic() - started,
        output_kms_key_id=kms_key_id,
    )


def predict_csv(booster: xgb.Booster, body: bytes | str) -> list[float]:
    """Predict on text/csv rows of features only (no label), as the XGBoost inference container does."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append([float(c) if c.strip() else math.nan for c in line.split(",")])
        except ValueError:
            raise ValueError(f"line {number} of the request is not numeric CSV") from None
    if not rows:
        raise ValueError("the request holds no CSV rows")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError(f"the request rows have different column counts {sorted(widths)}")
    expected = booster.num_features()
    if widths.pop() != expected:
        raise ValueError(f"the model expects {expected} features per row, the request has {len(rows[0])}")
    predictions = booster.predict(xgb.DMatrix(np.asarray(rows, dtype=np.float64), missing=math.nan))
    return [float(p) for p in np.ravel(predictions)]
