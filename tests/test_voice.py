"""Voice guidance and the assist sound (DESIGN.md §6): what reaches the engines, cutting off,
stop, repeat, volume steps, and real engines: espeak-ng processes and Qt TextToSpeech's `mock`
engine in the speech helper. None of it may hang or crash the kiosk when audio is missing."""

from __future__ import annotations

import ctypes.util
import io
import logging
import os
import shutil
import socket
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from kiosk.speech import contains_identity_number
from screens.voice import (
    DEFAULT_VOLUME_STEP,
    MAX_VOLUME_STEP,
    MIN_VOLUME_STEP,
    EspeakEngine,
    FallbackEngine,
    QtEngine,
    RecordingEngine,
    SpeechEngine,
    Utterance,
    Voice,
    chime_wav,
    choose_engine,
    espeak_arguments,
    volume_fraction,
)

RESIDENT = "11010119900307002X"  # a valid check digit
ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed")
LONG_ENGLISH = " ".join(["Please place your card on the reader."] * 60)  # ~40 s in `mock`


@pytest.fixture
def engines() -> Iterator[list[SpeechEngine]]:
    """Engines made by a test, closed after it: no helper or espeak-ng process outlives it."""
    made: list[SpeechEngine] = []
    yield made
    for engine in made:
        engine.close()


@pytest.fixture
def recorder(qapp: object) -> RecordingEngine:
    return RecordingEngine()


def children(name: str) -> dict[int, list[str]]:
    """Live (not zombie) child processes of this test run called `name`: pid -> arguments."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            arguments = (entry / "cmdline").read_bytes().decode().split("\0")
        except (OSError, IndexError):
            continue  # gone meanwhile
        state, parent = stat[0], int(stat[1])
        if parent == os.getpid() and state != "Z" and name in Path(arguments[0]).name:
            found[int(entry.name)] = arguments[1:-1]
    return found


def speech_helpers() -> list[int]:
    return [pid for pid, arguments in children("python").items() if "screens.voice" in arguments]


# --- what reaches the engine ---------------------------------------------------------------


def test_no_identity_number_reaches_the_engine_in_either_language(
    qtbot: QtBot, recorder: RecordingEngine
) -> None:
    voice = Voice(recorder)
    sentences = [
        ("zh", f"您的身份证号{RESIDENT}已读取，请核对姓名。"),
        ("zh", "证件号码 110101 19900307 002X，请确认"),
        ("en", f"We read the card {RESIDENT}. Is this you?"),
        ("en", "Permit USA110087051512 has expired."),
        ("zh", "代办人证件 370102********123X"),
    ]
    with qtbot.waitSignals([voice.spoken] * len(sentences)):
        for language, text in sentences:
            voice.say(text, language)
    said = [u.text for u in recorder.utterances]
    assert len(said) == len(sentences)
    assert not any(contains_identity_number(text) for text in said)
    assert "尾号 0 0 2 X" in said[0] and "ending in 0 0 2 X" in said[2]
    assert "ending in 1 5 1 2" in said[3] and "尾号 1 2 3 X" in said[4]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(alphabet="身份证号码请核对 ,.，。:abcXx*0123456789", max_size=60),
    st.sampled_from(["zh", "en"]),
)
def test_whatever_is_said_nothing_spoken_holds_a_full_number(
    recorder: RecordingEngine, text: str, language: str
) -> None:
    Voice(recorder).say(f"{text} {RESIDENT} {text}", language)
    assert not contains_identity_number(recorder.utterances[-1].text)


def test_spoken_reports_exactly_what_the_engine_got(
    qtbot: QtBot, recorder: RecordingEngine
) -> None:
    voice = Voice(recorder)
    with qtbot.waitSignal(voice.spoken) as spoken:
        voice.say("  请把身份证放在读卡区  ", "zh")
    assert spoken.args == ["zh", "请把身份证放在读卡区"]
    assert recorder.utterances == [Utterance("zh", "请把身份证放在读卡区", 0.6)]


def test_empty_text_says_nothing(qtbot: QtBot, recorder: RecordingEngine) -> None:
    voice = Voice(recorder)
    with qtbot.assertNotEmitted(voice.spoken):
        voice.say("   ", "zh")
        voice.repeat()
    assert recorder.utterances == []


# --- cutting off, stop, repeat -------------------------------------------------------------


def test_a_new_prompt_cuts_off_the_current_one(recorder: RecordingEngine) -> None:
    voice = Voice(recorder)
    voice.say("请选择业务", "zh")
    voice.say("Please choose a service", "en")
    assert [u.text for u in recorder.interrupted] == ["请选择业务"]
    assert recorder.current == Utterance("en", "Please choose a service", 0.6)


def test_a_touch_stops_speech_and_repeat_says_it_again(
    qtbot: QtBot, recorder: RecordingEngine
) -> None:
    voice = Voice(recorder)
    voice.say(f"身份证号{RESIDENT}已读取", "zh")
    voice.stop()
    assert recorder.current is None
    with qtbot.waitSignal(voice.spoken) as spoken:
        voice.repeat()
    assert spoken.args == ["zh", "身份证号尾号 0 0 2 X已读取"]
    assert recorder.current == recorder.utterances[0]
    assert len(recorder.utterances) == 2


def test_forget_leaves_nothing_to_repeat(qtbot: QtBot, recorder: RecordingEngine) -> None:
    voice = Voice(recorder)
    voice.say("王小明，您好", "zh")
    voice.forget()
    assert recorder.current is None
    with qtbot.assertNotEmitted(voice.spoken):
        voice.repeat()


def test_a_disabled_voice_is_silent_and_stops_at_once(
    qtbot: QtBot, recorder: RecordingEngine
) -> None:
    voice = Voice(recorder)
    voice.say("请选择业务", "zh")
    voice.set_enabled(False)
    assert recorder.current is None and not voice.enabled
    with qtbot.assertNotEmitted(voice.spoken):
        voice.say("请刷身份证", "zh")
        voice.repeat()
    voice.set_enabled(True)
    voice.repeat()  # what was last asked for, not what was last heard
    assert recorder.current == Utterance("zh", "请刷身份证", 0.6)


# --- volume --------------------------------------------------------------------------------


def test_volume_steps_go_up_and_down_within_their_range(
    qtbot: QtBot, recorder: RecordingEngine
) -> None:
    voice = Voice(recorder)
    assert voice.volume_step == DEFAULT_VOLUME_STEP
    steps: list[int] = []
    voice.volume_changed.connect(steps.append)
    for _ in range(MAX_VOLUME_STEP + 2):
        voice.volume_up()
    for _ in range(MAX_VOLUME_STEP + 2):
        voice.volume_down()
    assert steps == [4, 5, 4, 3, 2, 1]
    assert voice.volume_step == MIN_VOLUME_STEP


def test_each_step_is_louder_than_the_one_below(recorder: RecordingEngine) -> None:
    voice = Voice(recorder, volume_step=MIN_VOLUME_STEP)
    for _ in range(MAX_VOLUME_STEP):
        voice.say("音量", "zh")
        voice.volume_up()
    volumes = [u.volume for u in recorder.utterances]
    assert volumes == sorted(set(volumes)) and volumes[-1] == 1.0 and volumes[0] > 0


@pytest.mark.parametrize("step", [0, 6, -1])
def test_a_volume_step_out_of_range_is_a_clear_error(recorder: RecordingEngine, step: int) -> None:
    with pytest.raises(ValueError, match=r"volume step must be 1\.\.5"):
        Voice(recorder, volume_step=step)
    with pytest.raises(ValueError, match=r"volume step must be 1\.\.5"):
        Voice(recorder).set_volume_step(step)


# --- the assist-request sound --------------------------------------------------------------


def test_the_chime_rings_even_with_guidance_off_and_never_quietly(
    recorder: RecordingEngine,
) -> None:
    voice = Voice(recorder, volume_step=MIN_VOLUME_STEP, enabled=False)
    voice.chime()
    voice.set_volume_step(MAX_VOLUME_STEP)
    voice.chime()
    assert recorder.chimes == [volume_fraction(DEFAULT_VOLUME_STEP), 1.0]
    assert recorder.utterances == []


def test_the_chime_is_a_short_click_free_doorbell() -> None:
    with wave.open(io.BytesIO(chime_wav())) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        seconds = wav.getnframes() / wav.getframerate()
        samples = memoryview(wav.readframes(wav.getnframes())).cast("h")
    assert 0.5 < seconds < 1.5
    peak = max(abs(s) for s in samples)
    assert 0.2 * 32767 < peak < 0.9 * 32767  # audible, never clipped
    # Starts and ends at silence: a jump there is heard as a click.
    assert abs(samples[0]) < 0.01 * 32767 and abs(samples[-1]) < 0.01 * 32767


def test_no_sound_at_all_logs_one_warning(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    voice = Voice(FallbackEngine([]))
    with caplog.at_level(logging.WARNING, "screens.voice"), qtbot.assertNotEmitted(voice.spoken):
        for _ in range(3):
            voice.chime()
            voice.say("请刷身份证", "zh")
            voice.repeat()
    assert [r.getMessage() for r in caplog.records] == [
        "voice: no engine can play the assist-request sound; staying silent",
        "voice: no engine (silent) can speak 'zh'; staying silent",
    ]


# --- choosing engines ----------------------------------------------------------------------


def test_an_unknown_engine_preference_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="one of auto, qt, espeak, silent, record: got 'festival'"):
        choose_engine("festival")


def test_record_and_silent_preferences(qapp: object) -> None:
    assert isinstance(choose_engine("record"), RecordingEngine)
    silent = choose_engine("silent")
    assert isinstance(silent, FallbackEngine) and silent.engines == ()
    assert not silent.can_speak("zh") and not silent.can_chime()


def test_a_missing_espeak_ng_means_silence_and_a_warning(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, engines: list[SpeechEngine]
) -> None:
    with caplog.at_level(logging.WARNING, "screens.voice"):
        engine = choose_engine("espeak", espeak_program="no-such-espeak-ng")
        engines.append(engine)
        voice = Voice(engine)
        with qtbot.assertNotEmitted(voice.spoken):
            voice.say("请刷身份证", "zh")
            voice.chime()
    messages = [r.getMessage() for r in caplog.records]
    assert "voice: no-such-espeak-ng is not installed (Debian package espeak-ng)" in messages
    assert "voice: no engine (silent) can speak 'zh'; staying silent" in messages


def test_an_espeak_ng_that_cannot_start_hands_over_to_the_next_engine(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, tmp_path: Path, engines: list[SpeechEngine]
) -> None:
    broken = tmp_path / "espeak-ng"
    broken.write_text("#!/no/such/interpreter\n")
    broken.chmod(0o755)
    espeak, recorder = EspeakEngine(str(broken)), RecordingEngine()
    engine = FallbackEngine([espeak, recorder])
    engines.append(engine)
    with caplog.at_level(logging.WARNING, "screens.voice"):
        engine.speak("请刷身份证", "zh", 0.6)
        qtbot.waitUntil(lambda: not espeak.can_speak("zh"))
    assert any("espeak-ng could not start" in r.getMessage() for r in caplog.records)
    Voice(engine).say("请刷身份证", "zh")
    assert recorder.utterances == [Utterance("zh", "请刷身份证", 0.6)]


def test_each_utterance_goes_to_the_first_engine_that_speaks_its_language(
    qtbot: QtBot, engines: list[SpeechEngine]
) -> None:
    qt, recorder = QtEngine("mock"), RecordingEngine()
    engine = FallbackEngine([qt, recorder])
    engines.append(engine)
    assert engine.engine_for("en") is recorder  # the helper has not reported yet
    with qtbot.waitSignal(qt.ready, timeout=20_000):
        pass
    assert engine.engine_for("en") is qt  # Qt's mock engine has English voices
    assert engine.engine_for("zh") is recorder  # but no Chinese one
    voice = Voice(engine)
    with qtbot.waitSignal(qt.accepted, timeout=10_000):
        voice.say(LONG_ENGLISH, "en")
    voice.say("请刷身份证", "zh")  # cuts off the English in the other engine
    with qtbot.waitSignal(qt.state_changed, check_params_cb=lambda s: s == "ready"):
        pass
    assert recorder.current == Utterance("zh", "请刷身份证", 0.6)


@needs_espeak
def test_auto_prefers_a_ready_qt_engine_then_espeak_ng(
    qtbot: QtBot, engines: list[SpeechEngine]
) -> None:
    engine = choose_engine("auto", qt_engine="mock")
    engines.append(engine)
    assert isinstance(engine, FallbackEngine)
    qt, espeak = engine.engines
    assert (qt.name, espeak.name) == ("qt", "espeak-ng")
    assert engine.engine_for("en") is espeak  # until the helper is ready
    assert isinstance(qt, QtEngine)
    with qtbot.waitSignal(qt.ready, timeout=20_000):
        pass
    assert engine.engine_for("en") is qt and engine.engine_for("zh") is espeak


# --- Qt TextToSpeech in the helper process -------------------------------------------------


@pytest.fixture
def mock_qt(qtbot: QtBot, engines: list[SpeechEngine]) -> QtEngine:
    engine = QtEngine("mock")
    engines.append(engine)
    with qtbot.waitSignal(engine.ready, timeout=20_000):
        pass
    return engine


def test_the_qt_engine_picks_the_voice_by_language(mock_qt: QtEngine) -> None:
    assert mock_qt.engine_name == "mock"
    assert mock_qt.voices == {"en": "Bob"}  # mock's en_GB voice; it has no Chinese
    assert mock_qt.can_speak("en") and not mock_qt.can_speak("zh")
    assert not mock_qt.can_chime()  # no audio output on a machine without a sound card


def test_the_qt_engine_speaks_stops_and_takes_the_volume(qtbot: QtBot, mock_qt: QtEngine) -> None:
    states: list[str] = []
    mock_qt.state_changed.connect(states.append)
    with qtbot.waitSignal(mock_qt.accepted) as accepted:
        mock_qt.speak(LONG_ENGLISH, "en", volume_fraction(MAX_VOLUME_STEP))
    assert accepted.args == ["Bob", 1.0]
    with qtbot.waitSignal(mock_qt.accepted) as accepted:
        mock_qt.speak(LONG_ENGLISH, "en", volume_fraction(MIN_VOLUME_STEP))
    assert accepted.args == ["Bob", 0.2]
    qtbot.waitUntil(lambda: states[-1:] == ["speaking"])
    mock_qt.stop()  # long before the minutes of text are over
    qtbot.waitUntil(lambda: states[-1:] == ["ready"])


def test_voice_through_the_qt_engine(qtbot: QtBot, mock_qt: QtEngine) -> None:
    voice = Voice(FallbackEngine([mock_qt]))
    with qtbot.waitSignal(mock_qt.accepted), qtbot.waitSignal(voice.spoken) as spoken:
        voice.say(f"Card {RESIDENT} read. " + LONG_ENGLISH, "en")
    assert spoken.args[1].startswith("Card ending in 0 0 2 X read.")
    with qtbot.waitSignal(mock_qt.state_changed, check_params_cb=lambda s: s == "ready"):
        voice.stop()


def test_a_dead_helper_hands_over_to_the_next_engine(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, mock_qt: QtEngine
) -> None:
    recorder = RecordingEngine()
    voice = Voice(FallbackEngine([mock_qt, recorder]))
    (helper,) = speech_helpers()
    with caplog.at_level(logging.WARNING, "screens.voice"), qtbot.waitSignal(mock_qt.failed):
        os.kill(helper, 9)
    assert any("the speech helper ended" in r.getMessage() for r in caplog.records)
    voice.say("Please take your card", "en")
    assert recorder.current == Utterance("en", "Please take your card", 0.6)


needs_libspeechd = pytest.mark.skipif(
    ctypes.util.find_library("speechd") is None, reason="libspeechd2 is not installed"
)


@needs_libspeechd
def test_a_hung_speech_service_never_freezes_the_kiosk(
    qtbot: QtBot,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    engines: list[SpeechEngine],
) -> None:
    # What a speech-dispatcher without a sound card did: accept, then never answer.
    hung = socket.socket(socket.AF_UNIX)
    hung.bind(str(tmp_path / "speechd.sock"))
    hung.listen()
    monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{tmp_path / 'speechd.sock'}")
    qt, recorder = QtEngine("auto", start_timeout_s=2), RecordingEngine()
    engine = FallbackEngine([qt, recorder])
    engines.append(engine)
    voice = Voice(engine)
    with caplog.at_level(logging.WARNING, "screens.voice"):
        voice.say("请刷身份证", "zh")  # the kiosk goes on meanwhile
        with qtbot.waitSignal(qt.failed, timeout=20_000) as failed:
            pass
    hung.close()
    assert failed.args == ["the speech helper did not answer in time"]
    assert speech_helpers() == []  # killed
    voice.say("请刷身份证", "zh")
    assert [u.text for u in recorder.utterances] == ["请刷身份证"] * 2


@needs_libspeechd
def test_no_speech_service_means_no_qt_voices(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engines: list[SpeechEngine]
) -> None:
    monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{tmp_path / 'nobody.sock'}")
    qt = QtEngine("auto")
    engines.append(qt)
    with qtbot.waitSignal(qt.ready, timeout=20_000):
        pass
    assert qt.engine_name is None and qt.voices == {}
    assert not qt.can_speak("zh") and not qt.can_speak("en")


# --- espeak-ng -----------------------------------------------------------------------------


def test_espeak_arguments_pick_the_voice_and_loudness() -> None:
    assert espeak_arguments("zh", 0.6)[:2] == ["-v", "cmn"]
    assert espeak_arguments("en", 0.6)[:2] == ["-v", "en"]
    amplitudes = [int(espeak_arguments("zh", volume_fraction(s))[3]) for s in range(1, 6)]
    assert amplitudes == sorted(set(amplitudes)) and 80 <= amplitudes[2] <= 120
    assert espeak_arguments("en", 1.0, Path("/tmp/x.wav"))[-2:] == ["-w", "/tmp/x.wav"]


@needs_espeak
@pytest.mark.parametrize(("language", "text"), [("zh", "请把身份证放在读卡区"), ("en", "Please")])
def test_espeak_ng_speaks_into_a_wav_file(
    qtbot: QtBot, tmp_path: Path, engines: list[SpeechEngine], language: str, text: str
) -> None:
    output = tmp_path / "speech.wav"
    engine = EspeakEngine(output=output)
    engines.append(engine)
    engine.speak(text, language, 0.6)
    qtbot.waitUntil(lambda: output.exists() and not children("espeak-ng"))
    with wave.open(str(output)) as wav:
        assert wav.getnframes() / wav.getframerate() > 0.3


@needs_espeak
def test_espeak_ng_is_killed_when_cut_off_or_stopped(
    qtbot: QtBot, tmp_path: Path, engines: list[SpeechEngine]
) -> None:
    # A FIFO nobody reads keeps espeak-ng waiting to write, so it is surely still running.
    output = tmp_path / "speech.wav"
    os.mkfifo(output)
    engine = EspeakEngine(output=output)
    engines.append(engine)
    engine.speak("请选择业务", "zh", 0.6)
    qtbot.waitUntil(lambda: len(children("espeak-ng")) == 1)
    (first,) = children("espeak-ng")
    engine.speak("Please choose", "en", 0.6)
    qtbot.waitUntil(
        lambda: list(children("espeak-ng").values()) == [espeak_arguments("en", 0.6, output)]
    )
    assert first not in children("espeak-ng")
    engine.stop()
    qtbot.waitUntil(lambda: children("espeak-ng") == {})


@needs_espeak
def test_espeak_ng_rings_the_chime_and_a_touch_does_not_stop_it(
    qtbot: QtBot, tmp_path: Path, engines: list[SpeechEngine]
) -> None:
    output = tmp_path / "chime.wav"
    os.mkfifo(output)
    engine = EspeakEngine(output=output)
    engines.append(engine)
    voice = Voice(engine)
    voice.chime()
    qtbot.waitUntil(lambda: len(children("espeak-ng")) == 1)
    voice.stop()
    assert list(children("espeak-ng").values()) == [espeak_arguments("zh", 0.6, output)]
    engine.close()
    assert children("espeak-ng") == {}


@needs_espeak
def test_espeak_ng_without_a_sound_card_warns_once(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, engines: list[SpeechEngine]
) -> None:
    if Path("/dev/snd").exists():
        pytest.skip("this machine has a sound card")
    engine = EspeakEngine()
    engines.append(engine)
    with caplog.at_level(logging.WARNING, "screens.voice"):
        for text in ("一", "二"):
            engine.speak(text, "zh", 0.6)
            qtbot.waitUntil(lambda: not children("espeak-ng"))
        qtbot.waitUntil(lambda: bool(caplog.records))
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("voice: espeak-ng (exit code 0) says:")
