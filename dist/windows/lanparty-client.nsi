; The Windows installer of lanparty-client (NSIS 3, built on Linux with
; Debian's makensis; dist/meson.build, scripts/test-windows.sh).
;
; It installs, per machine: lanparty-client.exe in Program Files\lanparty,
; a Start-menu folder (the window, and a command prompt), the lanparty://
; URL handler (invite links, spec section 9, opening the window) and an uninstaller that removes exactly these. It cannot ship
; the TAP-Windows6 driver: it looks for a TAP adapter in the registry and,
; when there is none, says in plain words how to get one (and records the
; answer in HKLM\Software\lanparty, TapAdapterFound). /S installs silently.
;
;   makensis -DEXE=path\lanparty-client.exe -DVERSION=0.1.0 \
;            -DOUTFILE=lanparty-client-setup.exe lanparty-client.nsi

Unicode true
Target amd64-unicode
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!ifndef EXE
  !error "-DEXE=path of lanparty-client.exe"
!endif
!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef OUTFILE
  !define OUTFILE "lanparty-client-setup.exe"
!endif

!include "MUI2.nsh"
!include "LogicLib.nsh"

!define APP "lanparty"
!define REGKEY "Software\lanparty"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\lanparty"
!define URLKEY "Software\Classes\lanparty"
; The network adapter class: TAP-Windows6 adapters have ComponentId
; tap0901 or root\tap0901 under one of its numbered subkeys.
!define NETCLASS "SYSTEM\CurrentControlSet\Control\Class\{4D36E972-E325-11CE-BFC1-08002BE10318}"

Name "lanparty ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\lanparty"
InstallDirRegKey HKLM "${REGKEY}" "InstallDir"
ShowInstDetails show
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "lanparty"
VIAddVersionKey "FileDescription" "lanparty client installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT licence"

Var TapFound

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; FindTap sets $TapFound to 1 when a TAP-Windows6 adapter is registered.
Function FindTap
  StrCpy $TapFound 0
  StrCpy $0 0
  ${Do}
    ClearErrors
    EnumRegKey $1 HKLM "${NETCLASS}" $0
    ${If} ${Errors}
    ${OrIf} $1 == ""
      ${Break}
    ${EndIf}
    ReadRegStr $2 HKLM "${NETCLASS}\$1" "ComponentId"
    ; StrCmp (==) ignores case, as Windows and lp_tapreg do.
    ${If} $2 == "tap0901"
    ${OrIf} $2 == "root\tap0901"
      StrCpy $TapFound 1
      ${Break}
    ${EndIf}
    IntOp $0 $0 + 1
  ${Loop}
FunctionEnd

Function .onInit
  SetShellVarContext all
FunctionEnd

Section "lanparty-client" SecMain
  SectionIn RO
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  File "/oname=lanparty-client.exe" "${EXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; Start menu: the window, and a command prompt for the command line.
  CreateDirectory "$SMPROGRAMS\lanparty"
  CreateShortCut "$SMPROGRAMS\lanparty\lanparty.lnk" \
    "$INSTDIR\lanparty-client.exe" "--window" "$INSTDIR\lanparty-client.exe" 0
  CreateShortCut "$SMPROGRAMS\lanparty\lanparty command line.lnk" \
    "$SYSDIR\cmd.exe" '/k "cd /d "$INSTDIR" && lanparty-client.exe --help"' \
    "$INSTDIR\lanparty-client.exe" 0
  CreateShortCut "$SMPROGRAMS\lanparty\Uninstall lanparty.lnk" \
    "$INSTDIR\uninstall.exe"

  ; lanparty:// invite links open the client's window with the link.
  WriteRegStr HKLM "${URLKEY}" "" "URL:lanparty invite link"
  WriteRegStr HKLM "${URLKEY}" "URL Protocol" ""
  WriteRegStr HKLM "${URLKEY}\DefaultIcon" "" '"$INSTDIR\lanparty-client.exe",0'
  WriteRegStr HKLM "${URLKEY}\shell\open\command" "" \
    '"$INSTDIR\lanparty-client.exe" --window "%1"'

  ; Programs and Features.
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "lanparty"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "lanparty"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" '"$INSTDIR\lanparty-client.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  WriteRegStr HKLM "${REGKEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${REGKEY}" "Version" "${VERSION}"

  Call FindTap
  WriteRegDWORD HKLM "${REGKEY}" "TapAdapterFound" $TapFound
  ${If} $TapFound == 1
    DetailPrint "A TAP-Windows6 network adapter is present."
  ${Else}
    DetailPrint "No TAP-Windows6 network adapter was found."
    MessageBox MB_OK|MB_ICONINFORMATION \
      "lanparty is installed, but one thing is still missing.$\r$\n$\r$\n\
lanparty puts your PC on the party's network through a virtual network \
adapter called TAP-Windows6. This PC has none yet, and this installer \
cannot include its driver.$\r$\n$\r$\n\
To get it: download the OpenVPN installer from openvpn.net, choose \
Customize, and tick $\"TAP Virtual Ethernet Adapter$\". Or install the \
tap-windows6 package from OpenVPN.$\r$\n$\r$\n\
Then click your invite link again." /SD IDOK
  ${EndIf}
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$INSTDIR\lanparty-client.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\lanparty\lanparty.lnk"
  Delete "$SMPROGRAMS\lanparty\lanparty command line.lnk"
  Delete "$SMPROGRAMS\lanparty\Uninstall lanparty.lnk"
  RMDir "$SMPROGRAMS\lanparty"
  ; Only our handler: another program may have taken lanparty:// since.
  ReadRegStr $0 HKLM "${URLKEY}\shell\open\command" ""
  ${If} $0 == '"$INSTDIR\lanparty-client.exe" --window "%1"'
    DeleteRegKey HKLM "${URLKEY}"
  ${EndIf}
  DeleteRegKey HKLM "${UNINSTKEY}"
  DeleteRegKey HKLM "${REGKEY}"
  ; %ProgramData%\lanparty (the client's undo journal) is the client's:
  ; it is left, so that a pending undo still happens on the next start.
SectionEnd
