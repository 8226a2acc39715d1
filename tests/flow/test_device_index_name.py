"""An index of a device picks where a worker runs, not which samples are drawn: a name with a device word
(`curr_gpu_idx`, `device_ids`) labels the device path before the sampling words (`idx`, `indices`). Real shape:
coach ba20396f..2c60cb5a, `CoachLauncher.start_multi_process` pins its workers round-robin,
`curr_gpu_idx = (curr_gpu_idx + 1) % len(CoachLauncher.gpus)`: "Behavioural change in the sampling path"."""

from __future__ import annotations

from investigator.flow.units import name_label


def test_a_device_index_is_the_device_path() -> None:
    assert name_label("curr_gpu_idx") == "device"
    assert name_label("device_indices") == "device"


def test_a_sample_index_stays_the_sampling_path() -> None:
    assert name_label("batch_idx") == "sampling"
    assert name_label("mb_inds") == "sampling"
    assert name_label("perm") == "sampling"
