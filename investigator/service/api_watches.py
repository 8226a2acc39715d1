"""`/v1/watches`: create, list, show (with history), change (schedule, notifications), pause, resume,
run now, delete a watch (docs/service.md).

Creating, changing, pausing, resuming, running and deleting need the admin scope: a watch runs its probe
command on the server on its schedule. Reading needs the read scope. The scheduler (`watches.py`) runs the ticks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from investigator.service.auth import Caller, require
from investigator.service.context import service_context
from investigator.service.jobs import SubmissionError
from investigator.service.watches import (
    Watch,
    WatchCreate,
    WatchDetail,
    WatchPatch,
    WatchStore,
    WatchView,
    check_notify_url,
    check_watch,
)

router = APIRouter(prefix="/v1/watches", tags=["watches"])
Admin = Annotated[Caller, Depends(require("admin"))]
Reader = Annotated[Caller, Depends(require("read"))]


def watch_store(request: Request) -> WatchStore:
    return WatchStore(service_context(request).store.engine)


Watches = Annotated[WatchStore, Depends(watch_store)]


def _missing(watch_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no service watch {watch_id}")


def _view_or_404(watch_id: int, w: Watch | None) -> WatchView:
    """The changed watch's view; a store call that found no such watch answers None."""
    if w is None:
        raise _missing(watch_id)
    return WatchView.of(w)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WatchView,
             summary="Create a watch (admin: it runs the probe command)",
             responses={403: {"description": "not admin, or the repository is not allowed"},
                        409: {"description": "a watch of that name exists"}})
def create_watch(body: WatchCreate, request: Request, response: Response, _caller: Admin, store: Watches) -> WatchView:
    try:
        repo = check_watch(body, service_context(request).settings)
    except SubmissionError as exc:
        raise HTTPException(exc.status_code, detail=str(exc)) from None
    w = store.create(body, repo)
    if w is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="a watch of that name exists (give another name)")
    response.headers["Location"] = f"/v1/watches/{w.id}"
    return WatchView.of(w)


@router.get("", response_model=list[WatchView], summary="All watches")
def list_watches(_caller: Reader, store: Watches) -> list[WatchView]:
    return [WatchView.of(w) for w in store.all()]


@router.get("/{watch_id}", response_model=WatchDetail, summary="A watch with its ticks, metric points and alerts")
def show_watch(watch_id: int, _caller: Reader, store: Watches) -> WatchDetail:
    w = store.get(watch_id)
    if w is None:
        raise _missing(watch_id)
    return WatchDetail.model_validate({**WatchView.of(w).model_dump(), **store.history(watch_id)})


@router.patch("/{watch_id}", response_model=WatchView,
              summary="Change the schedule (interval_s, or cron and timezone) or the notifications (admin)")
def patch_watch(watch_id: int, body: WatchPatch, _caller: Admin, store: Watches) -> WatchView:
    try:
        check_notify_url(body.notify_url)
        w = store.patch(watch_id, body)
    except SubmissionError as exc:
        raise HTTPException(exc.status_code, detail=str(exc)) from None
    return _view_or_404(watch_id, w)


@router.post("/{watch_id}/pause", response_model=WatchView, summary="Stop ticking (history kept)")
def pause_watch(watch_id: int, _caller: Admin, store: Watches) -> WatchView:
    return _view_or_404(watch_id, store.set_paused(watch_id, True))


@router.post("/{watch_id}/resume", response_model=WatchView, summary="Tick again (due now)")
def resume_watch(watch_id: int, _caller: Admin, store: Watches) -> WatchView:
    return _view_or_404(watch_id, store.set_paused(watch_id, False))


@router.post("/{watch_id}/run", response_model=WatchView, summary="Tick as soon as the scheduler can (due now)",
             responses={409: {"description": "the watch is paused (resume it) or is a CLI watch"}})
def run_watch(watch_id: int, _caller: Admin, store: Watches) -> WatchView:
    w = store.run_now(watch_id)
    if w is None:
        if store.get(watch_id) is None:
            raise _missing(watch_id)
        raise HTTPException(status.HTTP_409_CONFLICT, detail="this watch is paused or is not scheduled by the service")
    return WatchView.of(w)


@router.delete("/{watch_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a watch and its history")
def delete_watch(watch_id: int, _caller: Admin, store: Watches) -> Response:
    if not store.delete(watch_id):
        raise _missing(watch_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
