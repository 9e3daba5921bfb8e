from enum import StrEnum


class JobStatus(StrEnum):
    CONFIG_ERROR = "config_error"
    ERROR = "error"
    PARTIAL = "partial"
    RUNNING = "running"
    SUCCESS = "success"

    def __str__(self) -> str:
        return str(self.value)
