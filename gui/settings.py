"""What the app remembers between sessions: recent workspaces, the last one, window geometry and layout, the theme.

Everything goes through `Settings`, so tests can point it at a throw-away INI file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


class Settings:
    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._q = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Attest", "Attest")
        else:
            self._q = QSettings(str(path), QSettings.Format.IniFormat)

    # -- workspaces ------------------------------------------------------------------------------------------------
    def recent_workspaces(self) -> list[str]:
        value = self._q.value("workspaces/recent", [])
        if isinstance(value, str):  # QSettings returns a bare string for a one-item list in INI files
            value = [value]
        return [str(v) for v in value] if isinstance(value, list | tuple) else []

    def add_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        items = [p for p in self.recent_workspaces() if p != path]
        self._q.setValue("workspaces/recent", [path, *items][:MAX_RECENT])
        self._q.setValue("workspaces/last", path)

    def forget(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        self._q.setValue("workspaces/recent", [p for p in self.recent_workspaces() if p != path])
        if self.last_workspace() == path:
            self._q.remove("workspaces/last")

    def last_workspace(self) -> str | None:
        value = self._q.value("workspaces/last")
        return str(value) if value else None

    def clear_recent(self) -> None:
        self._q.remove("workspaces")

    # -- window layout ---------------------------------------------------------------------------------------------
    def save_window(self, name: str, geometry: QByteArray, state: QByteArray | None = None) -> None:
        self._q.setValue(f"window/{name}/geometry", geometry)
        if state is not None:
            self._q.setValue(f"window/{name}/state", state)

    def window_geometry(self, name: str) -> QByteArray | None:
        value = self._q.value(f"window/{name}/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def window_state(self, name: str) -> QByteArray | None:
        value = self._q.value(f"window/{name}/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # -- appearance ------------------------------------------------------------------------------------------------
    def theme(self) -> str:
        """The View > Theme choice: "light", "dark" or "system" (the default)."""
        value = str(self._q.value("appearance/theme", "system") or "system")
        return value if value in ("light", "dark", "system") else "system"

    def set_theme(self, choice: str) -> None:
        self._q.setValue("appearance/theme", choice)

    def set_value(self, key: str, value: object) -> None:
        self._q.setValue(key, value)

    def value(self, key: str, default: object = None) -> object:
        return self._q.value(key, default)

    def sync(self) -> None:
        self._q.sync()
