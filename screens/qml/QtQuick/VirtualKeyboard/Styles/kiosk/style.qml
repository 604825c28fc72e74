// The kiosk's keyboard style: sizes and colours come from the theme (screens/theme.py), so keys
// meet the §6 targets in both modes. Like Qt's own styles, it reads the items it is loaded
// into by their ids: `keyboard` (Qt's Keyboard.qml) and `kioskKeyboard` (TextEntryKeyboard.qml).
// Every key face is `objectName: "keyFace"`, every candidate "candidate": tests measure them.

import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Styles

KeyboardStyle {
    id: kioskStyle

    readonly property var look: kioskKeyboard.look
    readonly property string images: "qrc:/qt-project.org/imports/QtQuick/VirtualKeyboard/Styles/Builtin/default/images/"

    // Four rows of keys, each a target tall with a gap between; the width is what there is.
    keyboardDesignWidth: Math.max(1, keyboard.width)
    keyboardDesignHeight: 4 * (look.key + look.gap)
    selectionListHeight: look.key + look.gap
    languagePopupListEnabled: false  // the language key switches between Chinese and English

    keyboardBackground: Rectangle {
        color: kioskStyle.look.background
    }

    component Face: Rectangle {
        objectName: "keyFace"
        property string text: parent.control ? parent.control.displayText : ""
        property string role: "character"  // or the function: tests find keys by it
        property bool function_: false
        property bool down: false
        anchors.fill: parent
        anchors.margins: kioskStyle.look.gap / 2
        radius: kioskStyle.look.radius
        color: down ? kioskStyle.look.pressed : (function_ ? kioskStyle.look.functionKey : kioskStyle.look.key_)
        border.width: kioskStyle.look.border
        border.color: function_ ? kioskStyle.look.functionKey : kioskStyle.look.keyBorder
    }

    component Label: Text {
        property bool function_: false
        property bool down: false
        anchors.centerIn: parent
        color: down || function_ ? kioskStyle.look.onPressed : kioskStyle.look.keyText
        font.family: kioskStyle.look.font
        font.pixelSize: kioskStyle.look.labelFont
    }

    component Icon: Image {
        property string name  // one of Qt's own white icons
        anchors.centerIn: parent
        width: parent.width * 0.7
        height: Math.min(parent.height * 0.5, kioskStyle.look.letterFont)
        fillMode: Image.PreserveAspectFit
        sourceSize.height: height
        source: kioskStyle.images + name + ".svg"
    }

    keyPanel: KeyPanel {
        Face {
            down: control.pressed
            Label {
                down: control.pressed
                text: control.displayText
                font.pixelSize: control.displayText.length > 1 ? kioskStyle.look.labelFont : kioskStyle.look.letterFont
                font.capitalization: control.uppercased ? Font.AllUppercase : Font.MixedCase
            }
        }
    }

    backspaceKeyPanel: KeyPanel {
        Face {
            role: "backspace"
            function_: true
            down: control.pressed
            Icon { name: "backspace-fff" }
        }
    }

    languageKeyPanel: KeyPanel {
        Face {
            role: "language"
            function_: true
            down: control.pressed
            Icon { name: "globe-fff" }
        }
    }

    enterKeyPanel: KeyPanel {
        Face {
            role: "enter"
            function_: true
            down: control.pressed
            Icon { name: "enter-fff" }
        }
    }

    shiftKeyPanel: KeyPanel {
        Face {
            role: "shift"
            function_: true
            down: control.pressed || InputContext.shiftActive
            Icon {
                name: InputContext.capsLockActive ? "shift-c5d6b6"
                                                  : InputContext.shiftActive ? "shift-80c342" : "shift-fff"
            }
        }
    }

    spaceKeyPanel: KeyPanel {
        Face {
            role: "space"
            text: Qt.locale(InputContext.locale).nativeLanguageName  // which language it types
            down: control.pressed
            Label {
                down: control.pressed
                text: parent.text
            }
        }
    }

    symbolKeyPanel: KeyPanel {
        Face {
            role: "symbol"
            function_: true
            down: control.pressed
            Label {
                function_: true
                text: control.displayText
            }
        }
    }

    modeKeyPanel: KeyPanel {
        Face {
            role: "mode"
            function_: true
            down: control.pressed || control.mode
            Label {
                function_: true
                text: control.displayText
            }
        }
    }

    characterPreviewDelegate: Rectangle {
        objectName: "keyPreview"
        property string text
        color: kioskStyle.look.pressed
        radius: kioskStyle.look.radius
        Text {
            anchors.centerIn: parent
            text: parent.text
            color: kioskStyle.look.onPressed
            font.family: kioskStyle.look.font
            font.pixelSize: kioskStyle.look.letterFont * 1.3
        }
    }

    alternateKeysListItemWidth: look.key
    alternateKeysListItemHeight: look.key
    alternateKeysListBottomMargin: look.gap
    alternateKeysListDelegate: Item {
        width: kioskStyle.alternateKeysListItemWidth
        height: kioskStyle.alternateKeysListItemHeight
        Text {
            anchors.centerIn: parent
            text: model.text
            color: kioskStyle.look.onPressed
            font.family: kioskStyle.look.font
            font.pixelSize: kioskStyle.look.letterFont
        }
    }
    alternateKeysListHighlight: Rectangle {
        color: kioskStyle.look.functionKey
        border.width: kioskStyle.look.border
        border.color: kioskStyle.look.onPressed
        radius: kioskStyle.look.radius
    }
    alternateKeysListBackground: Rectangle {
        color: kioskStyle.look.pressed
        radius: kioskStyle.look.radius
    }

    selectionListDelegate: SelectionListItem {
        width: Math.max(kioskStyle.look.key, candidateText.implicitWidth + kioskStyle.look.gap)
               + kioskStyle.look.gap
        Rectangle {
            objectName: "candidate"
            readonly property string text: display
            anchors.fill: parent
            anchors.margins: kioskStyle.look.gap / 2
            radius: kioskStyle.look.radius
            color: kioskStyle.look.key_
            border.width: kioskStyle.look.border
            border.color: kioskStyle.look.keyBorder
            Text {
                id: candidateText
                anchors.centerIn: parent
                text: display
                color: kioskStyle.look.keyText
                font.family: kioskStyle.look.font
                font.pixelSize: kioskStyle.look.letterFont
            }
        }
    }
    selectionListBackground: Rectangle {
        color: kioskStyle.look.background
    }
}
