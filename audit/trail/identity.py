"""Who records an event: the operating-system account and host, plus the display name and role set per workspace."""

from __future__ import annotations

import getpass
import platform
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    user: str
    host: str
    name: str = ""
    role: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"user": self.user, "host": self.host, "name": self.name, "role": self.role}

    def label(self) -> str:
        """`Dana Kim (ML lead) [dana@box]`, or `dana@box` when no display name is set."""
        account = f"{self.user}@{self.host}"
        if not self.name:
            return account
        role = f" ({self.role})" if self.role else ""
        return f"{self.name}{role} [{account}]"


def os_account() -> tuple[str, str]:
    """The operating-system user and host name. `platform.node()`, not `socket`: Attest has no network imports."""
    try:
        user = getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry (some containers)
        user = "unknown"
    return user, platform.node() or "unknown-host"
