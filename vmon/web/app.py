"""The HTTP API: `/metrics`, `/-/healthy`, `/-/ready`, `/api/v1/cameras/{id}`, `/probe`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from vmon.engine.fleet import CameraRuntime, Outcome
from vmon.engine.service import Monitor
from vmon.exposition import CONTENT_TYPE
from vmon.redact import redact
from vmon.web.encoding import negotiated

__all__ = ["create_app"]


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """A probe outcome as JSON, with every string redacted."""
    data: dict[str, Any] = {
        "success": outcome.success,
        "finished_at": outcome.finished_at,
        "duration_seconds": round(outcome.duration, 6),
    }
    if outcome.error is not None:
        data["reason"] = outcome.error.reason.value
        data["message"] = redact(outcome.error.message)
    if outcome.measurements is not None:
        data["values"] = outcome.measurements.values
        data["info"] = {k: redact(v) for k, v in outcome.measurements.info.items()}
    return data


def camera_json(camera: CameraRuntime) -> dict[str, Any]:
    """Everything the API says about one camera (never its credentials)."""
    spec, health = camera.spec, camera.health
    picture = camera.last["frame"].picture if "frame" in camera.last else None
    return {
        "id": spec.id,
        "name": spec.name,
        "unit": spec.unit,
        "class": spec.camera_class,
        "upstream": spec.upstream,
        "labels": spec.labels,
        "state": camera.state.value,
        "cause": camera.cause.value,
        "since": camera.since,
        "reachable": health.reachable,
        "online": health.online,
        "image_ok": health.image_ok,
        "intact": health.intact,
        "faults": sorted(health.picture_faults),
        "picture_scores": getattr(picture, "scores", None),
        "evidence": f"/api/v1/cameras/{spec.id}/evidence.jpg" if picture is not None else None,
        "last": {kind: outcome_json(o) for kind, o in sorted(camera.last.items())},
    }


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(redact(f"{record.levelname} {record.name}: {record.getMessage()}"))


def create_app(monitor: Monitor) -> FastAPI:
    """The FastAPI application serving one monitor."""
    app = FastAPI(title="vmon", docs_url="/api/docs", openapi_url="/api/openapi.json")

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        # rendered on the event loop, so the engine cannot change the fleet meanwhile
        body = monitor.metrics.render()
        sent, headers = await negotiated(body, request.headers.get("accept-encoding"))
        return Response(sent, media_type=CONTENT_TYPE, headers=headers)

    @app.get("/-/healthy")
    def healthy() -> Response:
        return Response("OK\n", media_type="text/plain")

    @app.get("/-/ready")
    def ready() -> Response:
        status = 200 if monitor.ready else 503
        return Response("Ready\n" if monitor.ready else "Starting\n", status_code=status)

    def camera_or_404(camera_id: str) -> CameraRuntime:
        camera = monitor.fleet.cameras.get(camera_id)
        if camera is None:
            raise HTTPException(404, f"no camera {camera_id}")
        return camera

    @app.get("/api/v1/cameras/{camera_id}")
    def camera(camera_id: str) -> JSONResponse:
        return JSONResponse(camera_json(camera_or_404(camera_id)))

    @app.get("/api/v1/cameras/{camera_id}/evidence.jpg")
    def evidence(camera_id: str) -> Response:
        last = camera_or_404(camera_id).last.get("frame")
        thumbnail = getattr(last.picture, "thumbnail", None) if last else None
        if not thumbnail:
            raise HTTPException(404, "no evidence frame yet")
        return Response(bytes(thumbnail), media_type="image/jpeg")

    @app.get("/probe")
    async def probe(camera: str = Query(...), debug: bool = False) -> JSONResponse:
        runtime = camera_or_404(camera)
        capture = _LogCapture()
        root = logging.getLogger()
        root.addHandler(capture)
        try:
            results = {
                kind: outcome_json(await monitor.runner.run(kind, target, runtime.spec))
                for kind, target in sorted(runtime.spec.targets.items())
            }
        finally:
            root.removeHandler(capture)
        body: dict[str, Any] = {"camera": camera, "results": results}
        if debug:
            body["log"] = capture.lines
        return JSONResponse(body)

    return app
