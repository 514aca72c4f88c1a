#!/usr/bin/env bash
# smsc-texts.sh LOG: the SMS that Kannel's fake SMSC (fakesmsc, Debian's
# kannel-extras) received, read from its log, one line each: the number,
# two spaces, the text in UTF-8.
#
# fakesmsc prints every message as "<from to kind data>": kind `text` as is,
# kind `ucs-2` (how Kannel sends Hindi) URL-encoded big-endian UTF-16, and
# each part of a long message that Kannel split (sendsms-user max-messages)
# as `udh <header> data <part>`, both URL-encoded; the header's last two
# bytes are the number of parts and this part's number. Parts are joined
# again; a text whose first byte is below 0x20 is UTF-16 (Latin and
# Devanagari both have a high byte of 0x00 or 0x09).
set -euo pipefail
log=${1:?usage: smsc-texts.sh FAKESMSC_LOG}

# bytes DATA: DATA URL-decoded, written as raw bytes (they may hold NUL).
bytes() {
  local data=${1//+/%20}
  printf '%b' "${data//%/\\x}"
}
# utf8 DATA: DATA's text in UTF-8, converted from UTF-16 when it is that.
utf8() {
  local first
  first=$(bytes "$1" | head -c 1 | od -An -tu1 | tr -d ' ')
  if [[ -n "$first" && "$first" -lt 32 ]]; then
    bytes "$1" | iconv -f UTF-16BE -t UTF-8
  else
    bytes "$1"
  fi
}

joined=""
sed -n 's/.*Got message [0-9]*: <\(.*\)>$/\1/p' "$log" | while read -r _from to kind rest; do
  case "$kind" in
    text) printf '%s  %s\n' "$to" "$rest" ;;
    ucs-2) printf '%s  %s\n' "$to" "$(bytes "$rest" | iconv -f UTF-16BE -t UTF-8)" ;;
    udh)
      read -r -a header <<<"$(bytes "${rest%% data *}" | od -An -tu1)"
      joined+=${rest#* data }
      if [[ ${header[-1]} -ge ${header[-2]} ]]; then
        printf '%s  %s\n' "$to" "$(utf8 "$joined")"
        joined=""
      fi
      ;;
  esac
done
