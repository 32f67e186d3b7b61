"""`ponder serve`: the session-bus service behind the desktop's own search.

One process owns both names, `org.ponder.Ponder.SearchProvider` (GNOME Shell's
`org.gnome.Shell.SearchProvider2`) and `org.ponder.Ponder.KRunner` (KDE's `org.kde.krunner1`), and
is started by D-Bus activation (`desktop.service.integration` writes the service files). It
answers from the library with the window's search (`desktop.service.answers`), and exits after a
while without a question, so it costs nothing between searches.

The bus is spoken with jeepney (pure Python, no Qt): a receiving thread reads method calls and
hands searches to a worker; a client's newer question supersedes its older ones still waiting
(the shell asks again at every key press), and those are answered with no results at once.
Calls from different clients are all answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty, Queue

from jeepney import HeaderFields, Message, MessageType, new_error, new_method_return
from jeepney.bus_messages import DBusNameFlags, message_bus
from jeepney.io.threading import DBusConnection, open_dbus_connection

from desktop.service.answers import Answers
from desktop.service.interfaces import Call, Interfaces

GNOME_NAME = "org.ponder.Ponder.SearchProvider"
KRUNNER_NAME = "org.ponder.Ponder.KRunner"
NAMES = (GNOME_NAME, KRUNNER_NAME)
IDLE_EXIT_S = 120.0  # no question for this long: the service exits (activation restarts it)
PRIMARY_OWNER = 1


@dataclass
class _Job:
    message: Message
    call: Call
    sender: str


class Service:
    """The resident service on one bus connection; `run` returns when idle or stopped."""

    def __init__(
        self,
        answers: Answers,
        connection: DBusConnection | None = None,
        *,
        idle_exit: float = IDLE_EXIT_S,
        launch: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.answers = answers
        self.connection = connection or open_dbus_connection("SESSION")
        self.interfaces = Interfaces(answers, launch)
        self.idle_exit = idle_exit
        self.last_call = time.monotonic()
        self._jobs: Queue[_Job | None] = Queue()
        self._stop = threading.Event()
        self._newest: dict[str, int] = {}  # client -> serial of its newest search
        self._lock = threading.Lock()
        self._early: list[Message] = []

    def own_names(self) -> list[str]:
        """Ask the bus for both names; the ones this process got."""
        got = []
        for name in NAMES:
            msg = message_bus.RequestName(name, DBusNameFlags.do_not_queue)
            reply = self._call(msg)
            if reply.body and reply.body[0] == PRIMARY_OWNER:
                got.append(name)
        return got

    def _call(self, message: Message) -> Message:
        """Send `message` and wait for its reply. A call that arrives meanwhile (the one that
        activated this service is delivered as soon as its name is owned) waits its turn."""
        serial = next(self.connection.outgoing_serial)
        self.connection.send(message, serial=serial)
        while True:
            got = self.connection.receive(timeout=5)
            if got.header.fields.get(HeaderFields.reply_serial) == serial:
                return got
            self._early.append(got)

    def run(self) -> None:
        worker = threading.Thread(target=self._work, name="ponder-serve", daemon=True)
        worker.start()
        try:
            for message in self._early:
                self._dispatch(message)
            self._early.clear()
            while not self._stop.is_set():
                if time.monotonic() - self.last_call > self.idle_exit and self._jobs.empty():
                    break
                try:
                    message = self.connection.receive(timeout=0.5)
                except TimeoutError:
                    continue
                except OSError:  # the bus went away (the session ended): nothing more to answer
                    break
                self._dispatch(message)
        finally:
            self._jobs.put(None)
            worker.join(timeout=10)

    def stop(self) -> None:
        self._stop.set()

    def _dispatch(self, message: Message) -> None:
        if message.header.message_type != MessageType.method_call:
            return
        self.last_call = time.monotonic()
        fields = message.header.fields
        call = self.interfaces.parse(
            str(fields.get(HeaderFields.path, "")),
            str(fields.get(HeaderFields.interface, "")),
            str(fields.get(HeaderFields.member, "")),
            message.body,
        )
        if call is None:
            self._send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))
            return
        if not call.searches:  # metas, actions, activation: answered here, at once
            self._answer(message, call)
            return
        sender = str(fields.get(HeaderFields.sender, ""))
        with self._lock:
            self._newest[sender] = message.header.serial
        self._jobs.put(_Job(message, call, sender))

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=1.0)
            except Empty:
                continue
            if job is None:
                return
            with self._lock:
                superseded = self._newest.get(job.sender) != job.message.header.serial
            if superseded:  # the same client asked again since: answer this one empty
                self._send(new_method_return(job.message, job.call.signature, job.call.empty))
                continue
            self._answer(job.message, job.call)
            self.last_call = time.monotonic()

    def _answer(self, message: Message, call: Call) -> None:
        try:
            body = call.run()
        except Exception as exc:  # noqa: BLE001 - the caller gets a D-Bus error, the service lives
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self._send(new_error(message, "org.ponder.Ponder.Error.Failed", "s", (reason,)))
            return
        self._send(new_method_return(message, call.signature, body))

    def _send(self, message: Message) -> None:
        try:
            self.connection.send(message)
        except OSError:  # the bus went away: nothing to answer to
            self._stop.set()
