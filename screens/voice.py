"""Voice guidance and the assist-request sound (DESIGN.md §6).

`Voice` is what the window and screens use: `say` a prompt (identity numbers are cut down to
their last four by `kiosk.speech` first), a newer prompt cuts off the older one, `stop` on any
touch, `repeat`, volume steps, and `chime` for an assist request. Engines sit behind
`SpeechEngine`:

- `QtEngine`: Qt TextToSpeech and QtMultimedia, run in a helper process (`python -m
  screens.voice --host`). In-process, `QTextToSpeech("speechd")` holds the GIL while it waits
  for speech-dispatcher; with a hung daemon (what a machine without a sound card gave us) the
  whole GUI froze for over a minute. A helper that stops answering is killed instead.
- `EspeakEngine`: espeak-ng through QProcess, for when no speech service runs.
- `RecordingEngine`: keeps what would have been said, for tests and the tour.
- `FallbackEngine`: sends each utterance to the first engine that can speak its language now.

No engine ever blocks the GUI thread, and missing audio only ever means silence and one
warning in the log. Texts are never logged: they may hold a citizen's name.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import wave
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QLocale,
    QObject,
    QProcess,
    QProcessEnvironment,
    QSocketNotifier,
    QTimer,
    QUrl,
    Signal,
)

from kiosk.speech import speakable

log = logging.getLogger(__name__)

MIN_VOLUME_STEP, MAX_VOLUME_STEP = 1, 5  # "quieter" never silences: that is `set_enabled`
DEFAULT_VOLUME_STEP = 3
ENGINE_PREFERENCES = ("auto", "qt", "espeak", "silent", "record")

# Kiosk language -> the locale whose voice speaks it. en_GB: speech-dispatcher's espeak-ng
# voice for it is the plain "English (Great Britain)". Its Mandarin voices carry no locale Qt
# understands, so there Chinese goes to the espeak-ng engine, the same synthesizer.
QT_LOCALES = {"zh": "zh_CN", "en": "en_GB"}
ESPEAK_VOICES = {"zh": "cmn", "en": "en"}
ESPEAK_MAX_AMPLITUDE = 160  # espeak-ng's default is 100; the middle step comes close to it
CHIME_WORDS = ("叮咚", "zh")  # the assist sound when only espeak-ng can make one


def volume_fraction(step: int) -> float:
    return step / MAX_VOLUME_STEP


class SpeechEngine(Protocol):
    """Says one thing at a time: `speak` cuts off whatever is being said."""

    name: str

    def can_speak(self, language: str) -> bool: ...
    def speak(self, text: str, language: str, volume: float) -> None: ...
    def stop(self) -> None: ...
    def can_chime(self) -> bool: ...
    def chime(self, volume: float) -> None: ...
    def close(self) -> None: ...


class Voice(QObject):
    """Voice guidance for the window; lives on the GUI thread."""

    spoken = Signal(str, str)  # language, text: every utterance actually sent to an engine
    volume_changed = Signal(int)

    def __init__(
        self,
        engine: SpeechEngine,
        volume_step: int = DEFAULT_VOLUME_STEP,
        enabled: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._volume_step = _checked_step(volume_step)
        self._enabled = enabled
        self._last: tuple[str, str] | None = None  # language, speakable text
        self._warned: set[str] = set()

    @property
    def engine(self) -> SpeechEngine:
        return self._engine

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        if not enabled:
            self._engine.stop()

    @property
    def volume_step(self) -> int:
        return self._volume_step

    def set_volume_step(self, step: int) -> None:
        step = _checked_step(step)
        if step != self._volume_step:
            self._volume_step = step
            self.volume_changed.emit(step)

    def volume_up(self) -> None:
        self.set_volume_step(min(self._volume_step + 1, MAX_VOLUME_STEP))

    def volume_down(self) -> None:
        self.set_volume_step(max(self._volume_step - 1, MIN_VOLUME_STEP))

    def say(self, text: str, language: str) -> None:
        """Say `text` now, cutting off what is being said; remembered for `repeat`."""
        text = speakable(text, language).strip()
        if not text:
            return
        self._last = (language, text)
        if self._enabled:
            self._send(language, text)

    def repeat(self) -> None:
        if self._last is not None and self._enabled:
            self._send(*self._last)

    def stop(self) -> None:
        self._engine.stop()

    def forget(self) -> None:
        """Stop, and drop the last utterance: a visit ended, nothing of it may stay."""
        self._engine.stop()
        self._last = None

    def chime(self) -> None:
        """The assist-request sound; it rings even with guidance off, for staff to hear."""
        if not self._engine.can_chime():
            self._warn_once("chime", "no engine can play the assist-request sound")
            return
        # Never quieter than the default: the sound is for staff across the hall.
        self._engine.chime(volume_fraction(max(self._volume_step, DEFAULT_VOLUME_STEP)))

    def close(self) -> None:
        self._engine.close()

    def _send(self, language: str, text: str) -> None:
        if not self._engine.can_speak(language):
            self._engine.stop()  # the older prompt must not go on as if it were this one
            self._warn_once(language, f"no engine ({self._engine.name}) can speak {language!r}")
            return
        self._engine.speak(text, language, volume_fraction(self._volume_step))
        self.spoken.emit(language, text)

    def _warn_once(self, key: str, problem: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning("voice: %s; staying silent", problem)


def _checked_step(step: int) -> int:
    if not MIN_VOLUME_STEP <= step <= MAX_VOLUME_STEP:
        raise ValueError(f"volume step must be {MIN_VOLUME_STEP}..{MAX_VOLUME_STEP}, got {step}")
    return step


def choose_engine(
    preference: str = "auto", *, qt_engine: str = "auto", espeak_program: str = "espeak-ng"
) -> SpeechEngine:
    """`auto`: Qt TextToSpeech (any engine but `mock`) once it is ready, else espeak-ng, else
    silence. `qt` and `espeak` use only that one; `silent` none; `record` a `RecordingEngine`.
    `qt_engine` names the Qt engine (`mock` in tests)."""
    if preference not in ENGINE_PREFERENCES:
        raise ValueError(
            f"voice engine must be one of {', '.join(ENGINE_PREFERENCES)}: got {preference!r}"
        )
    if preference == "record":
        return RecordingEngine()
    engines: list[SpeechEngine] = []
    if preference in ("auto", "qt"):
        engines.append(QtEngine(qt_engine))
    if preference in ("auto", "espeak"):
        espeak = EspeakEngine(espeak_program)
        if espeak.installed:
            engines.append(espeak)
    return FallbackEngine(engines)


class FallbackEngine:
    """Each utterance goes to the first engine that can speak its language at that moment."""

    def __init__(self, engines: Sequence[SpeechEngine]) -> None:
        self.engines = tuple(engines)
        self.name = " > ".join(engine.name for engine in self.engines) or "silent"
        self._speaker: SpeechEngine | None = None

    def engine_for(self, language: str) -> SpeechEngine | None:
        return next((e for e in self.engines if e.can_speak(language)), None)

    def can_speak(self, language: str) -> bool:
        return self.engine_for(language) is not None

    def speak(self, text: str, language: str, volume: float) -> None:
        engine = self.engine_for(language)
        if self._speaker is not None and self._speaker is not engine:
            self._speaker.stop()
        self._speaker = engine
        if engine is not None:
            engine.speak(text, language, volume)

    def stop(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def can_chime(self) -> bool:
        return any(engine.can_chime() for engine in self.engines)

    def chime(self, volume: float) -> None:
        engine = next((e for e in self.engines if e.can_chime()), None)
        if engine is not None:
            engine.chime(volume)

    def close(self) -> None:
        for engine in self.engines:
            engine.close()


@dataclass(frozen=True)
class Utterance:
    language: str
    text: str
    volume: float


class RecordingEngine:
    """Speaks every language, silently: keeps what was said, cut off and chimed."""

    name = "record"

    def __init__(self) -> None:
        self.utterances: list[Utterance] = []
        self.interrupted: list[Utterance] = []  # cut off by `stop` or by a newer utterance
        self.current: Utterance | None = None
        self.chimes: list[float] = []  # volumes

    def can_speak(self, language: str) -> bool:
        return True

    def speak(self, text: str, language: str, volume: float) -> None:
        self.stop()
        self.current = Utterance(language, text, volume)
        self.utterances.append(self.current)

    def stop(self) -> None:
        if self.current is not None:
            self.interrupted.append(self.current)
            self.current = None

    def can_chime(self) -> bool:
        return True

    def chime(self, volume: float) -> None:
        self.chimes.append(volume)

    def close(self) -> None:
        self.stop()


# --- espeak-ng -----------------------------------------------------------------------------


def espeak_arguments(language: str, volume: float, output: Path | None = None) -> list[str]:
    """The text goes in on stdin: UTF-8 whatever the locale, and never visible in `ps`."""
    arguments = ["-v", ESPEAK_VOICES[language], "-a", str(round(ESPEAK_MAX_AMPLITUDE * volume))]
    arguments += ["-b", "1"]
    if output is not None:
        arguments += ["-w", str(output)]
    return arguments


class EspeakEngine(QObject):
    """espeak-ng, one process per utterance, killed when cut off. `output` writes a WAV file
    instead of playing (tests)."""

    name = "espeak-ng"

    def __init__(
        self, program: str = "espeak-ng", output: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._program = shutil.which(program)
        self._output = output
        self._speech: QProcess | None = None
        self._chime: QProcess | None = None
        self._warned: set[str] = set()
        if self._program is None:
            self._warn_once("missing", f"{program} is not installed (Debian package espeak-ng)")

    @property
    def installed(self) -> bool:
        return self._program is not None

    def can_speak(self, language: str) -> bool:
        return self._program is not None and language in ESPEAK_VOICES

    def speak(self, text: str, language: str, volume: float) -> None:
        self.stop()
        self._speech = self._start(text, language, volume)

    def stop(self) -> None:
        _kill(self._speech)
        self._speech = None

    def can_chime(self) -> bool:
        return self.can_speak(CHIME_WORDS[1])

    def chime(self, volume: float) -> None:
        _kill(self._chime)  # a second request restarts the sound rather than overlapping it
        self._chime = self._start(*CHIME_WORDS, volume)

    def close(self) -> None:
        for process in (self._speech, self._chime):
            _kill(process)
            if process is not None:
                process.waitForFinished(1000)
        self._speech = self._chime = None

    def _start(self, text: str, language: str, volume: float) -> QProcess | None:
        if self._program is None:
            return None
        process = QProcess(self)
        # Bound methods, not closures over `process`: PySide keeps closures alive in a cycle
        # that the garbage collector then breaks under Qt's feet (a crash, seen in tests).
        process.errorOccurred.connect(self._failed)
        process.finished.connect(self._finished)
        process.start(self._program, espeak_arguments(language, volume, self._output))
        process.write(text.encode())
        process.closeWriteChannel()
        return process

    def _failed(self, error: QProcess.ProcessError) -> None:
        process = cast(QProcess, self.sender())
        if error == QProcess.ProcessError.FailedToStart:
            self._program = None  # the next engine speaks from now on
            self._warn_once("start", f"espeak-ng could not start: {process.errorString()}")
            self._forget(process)
        elif error not in _AFTER_OUR_KILL:
            self._warn_once("error", f"espeak-ng failed: {process.errorString()}")

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        process = cast(QProcess, self.sender())
        complaint = bytes(process.readAllStandardError().data()).decode(errors="replace").strip()
        if status == QProcess.ExitStatus.NormalExit and (code or complaint):
            # espeak-ng exits 0 even when it found no sound card, and says so on stderr.
            last_line = complaint.splitlines()[-1][:200] if complaint else ""
            self._warn_once("exit", f"espeak-ng (exit code {code}) says: {last_line}")
        self._forget(process)

    def _forget(self, process: QProcess) -> None:
        if self._speech is process:
            self._speech = None
        if self._chime is process:
            self._chime = None
        process.deleteLater()

    def _warn_once(self, key: str, problem: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning("voice: %s", problem)


# Cutting an utterance off kills its process, whose stdin may not have taken all the text yet.
_AFTER_OUR_KILL = (QProcess.ProcessError.Crashed, QProcess.ProcessError.WriteError)


def _kill(process: QProcess | None) -> None:
    if process is not None and process.state() != QProcess.ProcessState.NotRunning:
        process.kill()


# --- Qt TextToSpeech and QtMultimedia, in a helper process ---------------------------------


class QtEngine(QObject):
    """Talks to `python -m screens.voice --host` over JSON lines on its stdin and stdout.

    Until the helper reports which languages it has voices for, this engine speaks none, so
    the next engine speaks; a helper that dies, or does not answer in time, is gone for good.
    """

    name = "qt"
    ready = Signal()
    failed = Signal(str)  # why the helper is gone
    state_changed = Signal(str)  # the Qt engine's state: "speaking", "ready", ...
    accepted = Signal(str, float)  # the voice and volume the Qt engine took an utterance with

    def __init__(
        self,
        tts_engine: str = "auto",
        start_timeout_s: float = 10.0,
        reply_timeout_s: float = 3.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine_name: str | None = None  # the Qt engine the helper found
        self.voices: dict[str, str] = {}  # language -> voice name
        self._chime = False
        self._gone = False
        self._pending = 0
        self._reply_timeout_ms = round(reply_timeout_s * 1000)
        self._watchdog = QTimer(self, singleShot=True)
        self._watchdog.timeout.connect(self._hung)
        self._process = QProcess(self)
        self._process.readyReadStandardOutput.connect(self._read)
        self._process.readyReadStandardError.connect(self._read_errors)
        self._process.errorOccurred.connect(self._process_error)
        self._process.finished.connect(self._exited)
        environment = QProcessEnvironment.systemEnvironment()
        root = str(Path(__file__).resolve().parent.parent)  # so `-m screens.voice` imports
        path = environment.value("PYTHONPATH")
        environment.insert("PYTHONPATH", os.pathsep.join([root, path]) if path else root)
        self._process.setProcessEnvironment(environment)
        self._process.start(sys.executable, ["-m", __name__, "--host", "--tts", tts_engine])
        self._watchdog.start(round(start_timeout_s * 1000))

    def can_speak(self, language: str) -> bool:
        return not self._gone and language in self.voices

    def speak(self, text: str, language: str, volume: float) -> None:
        self._command({"say": text, "language": language, "volume": volume})

    def stop(self) -> None:
        if self.voices:
            self._command({"stop": True})

    def can_chime(self) -> bool:
        return not self._gone and self._chime

    def chime(self, volume: float) -> None:
        self._command({"chime": volume})

    def close(self) -> None:
        self._give_up(None)

    def _command(self, message: dict[str, Any]) -> None:
        if self._gone or self._process.state() != QProcess.ProcessState.Running:
            return
        self._process.write(json.dumps(message).encode() + b"\n")
        self._pending += 1
        if not self._watchdog.isActive():
            self._watchdog.start(self._reply_timeout_ms)

    def _read(self) -> None:
        while self._process.canReadLine():
            line = bytes(self._process.readLine().data())
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("voice: the speech helper wrote a line that is not JSON")
                continue
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        if "ready" in message:
            report = message["ready"]
            self._watchdog.stop()
            self.engine_name = report["engine"]
            self.voices = report["voices"]
            self._chime = report["chime"]
            log.info(
                "voice: Qt engine %s, voices %s, chime %s",
                self.engine_name,
                self.voices,
                "on" if self._chime else "off (no audio output)",
            )
            self.ready.emit()
        elif "ack" in message:
            self._pending -= 1
            self._watchdog.stop()
            if self._pending > 0:
                self._watchdog.start(self._reply_timeout_ms)
            if message["ack"] == "say":  # not "refused": that was a race with a failure
                self.accepted.emit(message["voice"], message["volume"])
        elif "state" in message:
            self.state_changed.emit(message["state"])

    def _read_errors(self) -> None:
        for line in bytes(self._process.readAllStandardError().data()).splitlines():
            log.debug("voice helper: %s", line.decode(errors="replace"))

    def _hung(self) -> None:
        self._give_up("the speech helper did not answer in time")

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._give_up(f"the speech helper could not start: {self._process.errorString()}")

    def _exited(self, code: int, status: QProcess.ExitStatus) -> None:
        self._give_up(f"the speech helper ended (exit code {code})")

    def _give_up(self, reason: str | None) -> None:
        if self._gone:
            return
        self._gone = True
        self._watchdog.stop()
        if self._process.state() != QProcess.ProcessState.NotRunning:
            self._process.kill()
            self._process.waitForFinished(1000)  # after SIGKILL: only reaping
        if reason is not None:
            log.warning("voice: %s; the next engine speaks", reason)
            self.failed.emit(reason)


# --- the helper process --------------------------------------------------------------------


def chime_wav(rate: int = 22050) -> bytes:
    """A two-note doorbell, E5 then C5, 16-bit mono: soft onsets and fading tails, no clicks."""
    samples = array("h")
    for frequency, length_s in ((659.25, 0.32), (523.25, 0.6)):
        count = round(rate * length_s)
        fade = rate * 0.01
        for i in range(count):
            t = i / rate
            envelope = min(1.0, t / 0.005, (count - 1 - i) / fade) * math.exp(-4.5 * t)
            tone = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(
                4 * math.pi * frequency * t
            )
            samples.append(round(0.5 * 32767 * envelope * tone / 1.3))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return buffer.getvalue()


def _send(message: dict[str, Any]) -> None:
    print(json.dumps(message, ensure_ascii=False), flush=True)


def _settle(changed: Any, is_settled: Callable[[], bool], timeout_ms: int = 5000) -> None:
    """Run the event loop until `is_settled()`: engines and sounds get ready asynchronously."""
    if not is_settled():
        loop = QEventLoop()
        changed.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()


class _Host(QObject):
    """The helper: Qt's speech and sound in a process the kiosk can kill when they hang.
    Imports QtTextToSpeech and QtMultimedia itself, so the kiosk never loads them."""

    def __init__(self, tts_engine: str, sounds: Path) -> None:
        super().__init__()
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        from PySide6.QtTextToSpeech import QTextToSpeech

        self._tts: QTextToSpeech | None = None
        self._engine_name: str | None = None
        available = QTextToSpeech.availableEngines()
        wanted = [e for e in available if e != "mock"] if tts_engine == "auto" else [tts_engine]
        for name in wanted:
            self._tts = self._open_tts(name, available)
            if self._tts is not None:
                self._engine_name = name
                break
        self._voices = self._find_voices()
        self._language: str | None = None  # the one the engine is set up for
        if self._tts is not None:
            self._tts.stateChanged.connect(lambda state: _send({"state": state.name.lower()}))

        self._effect: QSoundEffect | None = None
        if QMediaDevices.audioOutputs():  # none without a sound card (or a sound server)
            path = sounds / "chime.wav"
            path.write_bytes(chime_wav())
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            _settle(effect.statusChanged, lambda: effect.status() != QSoundEffect.Status.Loading)
            if effect.status() == QSoundEffect.Status.Ready:
                self._effect = effect

    @staticmethod
    def _open_tts(name: str, available: list[str]) -> Any:
        from PySide6.QtTextToSpeech import QTextToSpeech

        if name not in available:
            print(f"no Qt speech engine {name!r} (have {available})", file=sys.stderr)
            return None
        tts = QTextToSpeech(name)
        if tts.state() != QTextToSpeech.State.Error:  # some engines get ready later
            _settle(tts.stateChanged, lambda: tts.state() == QTextToSpeech.State.Ready)
        if tts.state() != QTextToSpeech.State.Ready:
            print(f"Qt speech engine {name}: {tts.errorString()}", file=sys.stderr)
            return None
        return tts

    def _find_voices(self) -> dict[str, tuple[QLocale, Any]]:
        """language -> (locale, voice); voice None: the locale's default voice."""
        found: dict[str, tuple[QLocale, Any]] = {}
        if self._tts is None:
            return found
        for language, locale_name in QT_LOCALES.items():
            wanted = QLocale(locale_name)
            locales = [c for c in self._tts.availableLocales() if c.language() == wanted.language()]
            if not locales:
                continue
            locale = wanted if wanted in locales else locales[0]
            self._tts.setLocale(locale)
            # The engine's own choice for the locale first: the first in the list may be an
            # odd one (speech-dispatcher's first en_US voice is "English (Caribbean)").
            voices = [self._tts.voice(), *self._tts.availableVoices()]
            matching = [v for v in voices if v.locale().language() == wanted.language()]
            found[language] = (locale, matching[0] if matching else None)
        return found

    def report(self) -> dict[str, Any]:
        names = {
            language: voice.name() if voice is not None else locale.name()
            for language, (locale, voice) in self._voices.items()
        }
        return {"engine": self._engine_name, "voices": names, "chime": self._effect is not None}

    def handle(self, line: str) -> None:
        message = json.loads(line)
        if "say" in message:
            _send(self._say(message["say"], message["language"], float(message["volume"])))
        elif "stop" in message:
            if self._tts is not None:
                self._tts.stop()
            _send({"ack": "stop"})
        elif "chime" in message:
            if self._effect is not None:
                self._effect.setVolume(float(message["chime"]))
                self._effect.play()
            _send({"ack": "chime"})

    def _say(self, text: str, language: str, volume: float) -> dict[str, Any]:
        if self._tts is None or language not in self._voices:
            return {"ack": "refused"}
        locale, voice = self._voices[language]
        self._tts.stop()
        if self._language != language:
            self._tts.setLocale(locale)
            if voice is not None:
                self._tts.setVoice(voice)
            self._language = language
        self._tts.setVolume(volume)
        self._tts.say(text)
        name = self._tts.voice().name() or locale.name()
        return {"ack": "say", "voice": name, "volume": self._tts.volume()}


def run_host(tts_engine: str) -> int:
    app = QCoreApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="kiosk-sounds-") as sounds:
        host = _Host(tts_engine, Path(sounds))
        _send({"ready": host.report()})
        _StdinLines(host.handle, app.quit)
        return app.exec()


class _StdinLines(QObject):
    """Hands each line on stdin to `handle`, on the event loop; `closed` at the end of stdin,
    which is when the kiosk went away."""

    def __init__(self, handle: Callable[[str], None], closed: Callable[[], None]) -> None:
        super().__init__(QCoreApplication.instance())
        self._handle, self._closed = handle, closed
        self._buffer = b""
        self._notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._read)

    def _read(self) -> None:
        chunk = os.read(self._notifier.socket(), 65536)
        if not chunk:
            self._notifier.setEnabled(False)
            self._closed()
            return
        *lines, self._buffer = (self._buffer + chunk).split(b"\n")
        for line in lines:
            self._handle(line.decode())


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m screens.voice")
    parser.add_argument("--host", action="store_true", required=True, help="run the helper")
    parser.add_argument("--tts", default="auto", help="Qt speech engine, or auto (not mock)")
    return run_host(parser.parse_args(argv).tts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
