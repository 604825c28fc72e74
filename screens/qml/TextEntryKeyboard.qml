// The on-screen keyboard of a TextEntry (screens/text_entry.py): Qt's InputPanel, in the kiosk
// style, with Pinyin and English. It types into whichever widget has the focus (the field).

import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

Rectangle {
    id: kioskKeyboard
    required property var look  // the theme's sizes and colours, read by the kiosk style
    required property string locale  // the language it starts in: "zh_CN" or "en_US"

    color: look.background

    InputPanel {
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
    }

    Component.onCompleted: {
        VirtualKeyboardSettings.styleName = "kiosk"
        VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"]
        VirtualKeyboardSettings.locale = locale
        // No hide key: the keyboard belongs to the field and stays with it.
        VirtualKeyboardSettings.visibleFunctionKeys = QtVirtualKeyboard.KeyboardFunctionKeys.Language
        // Room for the candidates is kept, so the keys do not move when typing starts.
        VirtualKeyboardSettings.wordCandidateList.alwaysVisible = true
    }
}
