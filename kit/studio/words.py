"""The studio's own words, in Estonian (the default) and English. Messages from kit's checks stay as kit says them
(in English, the same words as `kit check`)."""
from __future__ import annotations

from flask import request

WORDS: dict[str, dict[str, str]] = {
    "et": {
        "studio": "kit stuudio", "desk": "Sõnumid", "new message": "Uus sõnum", "switch": "English",
        "skip": "Mine sisu juurde",
        "waiting": "Ootavad kinnitamist", "approved": "Kinnitatud, ootavad avaldamist", "embargoed": "Embargo all",
        "published": "Avaldatud", "expired": "Aegunud", "drafts": "Mustandid", "withdrawn": "Tagasi võetud",
        "until": "kuni", "languages": "Keeled", "stale": "vananenud tõlge", "municipalities": "Omavalitsused",
        "event": "Sündmus", "errors": "vead", "warnings": "hoiatused", "filter": "Filtreeri", "all": "kõik",
        "theme": "Teema", "municipality": "Omavalitsus", "shown": "Näidatud {shown} sõnumit {total}-st",
        "no messages": "Ühtegi sõnumit ei leitud.", "title": "Pealkiri", "status": "Olek",
        "id": "Tunnus (id)", "id help": "väiketähed, numbrid ja sidekriipsud, nt suitsusaun; hiljem ei muutu",
        "create": "Loo sõnum", "shared": "Ühised andmed", "date": "Kuupäev", "embargo": "Embargo (mitte enne)",
        "expires": "Aegub", "zone": "ajavöönd", "themes": "Teemad", "channels": "Kanalid",
        "tartu2024": "Tartu 2024 programmi projekt", "cta_url": "Tegevuskutse aadress (https://)",
        "event.start": "Algus", "event.end": "Lõpp", "venues": "Toimumiskoht omavalitsuses",
        "event.address": "Aadress", "event.url": "Sündmuse veebileht", "image": "Pilt",
        "image.file": "Pildifail", "image.upload": "Laadi üles uus pilt (JPEG, PNG või WebP)",
        "image.focus": "Fookuspunkt (vasakult, ülalt; 0…1)", "focus help": "Klõpsa pildil, et valida punkt, mida iga kärbe hoiab.",
        "image.credit": "Pildi autor", "texts": "Tekstid", "summary": "Kokkuvõte", "points": "Põhipunktid (üks rea kohta)",
        "quote.text": "Tsitaat", "quote.by": "Tsitaadi autor", "cta": "Tegevuskutse tekst", "image_alt": "Pildi tekstikirjeldus",
        "image_credit": "Pildi autor selles keeles", "hashtags": "Teemaviited (tühikuga eraldatud)",
        "social": "Eraldi tekst platvormile", "project": "Projekti nimi (Tartu 2024)", "body": "Sõnumi tekst (Markdown)",
        "save": "Salvesta", "saved": "Salvestatud. Väljundid valmivad allpool.", "undo": "Võta viimane salvestus tagasi",
        "undone": "Eelmine versioon on tagasi.", "not saved": "Ei salvestatud: parandage vead väljade juures.",
        "changed on disk": "Faili {files} on pärast lehe avamist muudetud (teine aken, git pull või käsitsi muudatus). "
                           "Midagi ei salvestatud; teie sisestus on alles allpool. Kopeerige vajalik, laadige leht uuesti ja muutke siis.",
        "problems": "Probleemid", "no problems": "Vigu ega hoiatusi pole.", "general": "Kogu sõnum",
        "previews": "Eelvaated", "building": "Väljundid valmivad…", "built": "Valmis", "failed": "ebaõnnestus",
        "pending": "ootab", "out of date": "vananenud: salvesta, et uuesti teha", "no previews": "Väljundeid pole veel tehtud.",
        "all languages": "Kõik keeled", "refresh": "Värskenda", "approve": "Kinnita",
        "approver": "Kinnitaja nimi", "accept warnings": "Kinnitan hoiatustest hoolimata",
        "approver needed": "Kirjutage kinnitaja nimi.", "approval refused": "Kinnitada ei saa: sõnumis on vead.",
        "approval warnings": "Sõnumis on hoiatusi. Kinnitage uuesti, kui olete need üle vaadanud.",
        "approved now": "Kinnitatud.", "confirm": "Tõlge vastab uuele eestikeelsele tekstile",
        "stale field": "Eestikeelne tekst on pärast tõlkimist muutunud", "password needed": "Sisestage parool.",
        "upload too large": "Fail on liiga suur (kuni {mb} MB).", "image type": "use JPEG, PNG or WebP (.jpg, .png, .webp)",
        "characters": "märki", "edit": "Muuda", "back": "Tagasi sõnumite juurde", "error": "Viga",
        "draft": "mustand", "status.approved": "kinnitatud", "status.withdrawn": "tagasi võetud", "language": "Keel",
        "open": "Ava", "files": "Failid", "no event": "—", "counter": "{n} / {limit} ({platform})",
        "build said": "Ehitus teatas", "caption": "Postituse tekst", "current photo": "Praegune pilt",
        "publishing": "Avaldamine", "publish": "Avalda",
        "publish help": "Teeb kõik muudetud väljundid ja saadab allalaadimislehe ning vood sihtkohta {target}. "
                        "Avaldatakse ainult kinnitatud sõnumid, mille embargo on läbi.",
        "publish running": "Avaldamine käib… Värskendage lehte, et tulemust näha.",
        "publish done": "Avaldatud.", "publish failed": "Avaldamine ebaõnnestus; avalik sait jäi endiseks.",
    },
    "en": {
        "studio": "kit studio", "desk": "Messages", "new message": "New message", "switch": "eesti keel",
        "skip": "Skip to content",
        "waiting": "Waiting for approval", "approved": "Approved, not yet published", "embargoed": "Embargoed",
        "published": "Published", "expired": "Expired", "drafts": "Drafts", "withdrawn": "Withdrawn",
        "until": "until", "languages": "Languages", "stale": "translation out of date", "municipalities": "Municipalities",
        "event": "Event", "errors": "errors", "warnings": "warnings", "filter": "Filter", "all": "all",
        "theme": "Theme", "municipality": "Municipality", "shown": "Showing {shown} of {total} messages",
        "no messages": "No messages found.", "title": "Title", "status": "Status",
        "id": "Id", "id help": "lowercase letters, digits and hyphens, e.g. smoke-sauna; never changes later",
        "create": "Create message", "shared": "Shared facts", "date": "Date", "embargo": "Embargo (not before)",
        "expires": "Expires", "zone": "time zone", "themes": "Themes", "channels": "Channels",
        "tartu2024": "Tartu 2024 programme project", "cta_url": "Call-to-action address (https://)",
        "event.start": "Start", "event.end": "End", "venues": "Venue in municipality",
        "event.address": "Address", "event.url": "Event web page", "image": "Photo",
        "image.file": "Photo file", "image.upload": "Upload a new photo (JPEG, PNG or WebP)",
        "image.focus": "Focus point (from left, from top; 0…1)", "focus help": "Click the photo to choose the point every crop keeps.",
        "image.credit": "Photo credit", "texts": "Texts", "summary": "Summary", "points": "Key points (one per line)",
        "quote.text": "Quote", "quote.by": "Quote by", "cta": "Call-to-action text", "image_alt": "Alt text",
        "image_credit": "Photo credit in this language", "hashtags": "Hashtags (separated by spaces)",
        "social": "Own text for platform", "project": "Project name (Tartu 2024)", "body": "Message text (Markdown)",
        "save": "Save", "saved": "Saved. The outputs appear below as they are made.", "undo": "Undo the last save",
        "undone": "The previous version is back.", "not saved": "Not saved: fix the errors next to the fields.",
        "changed on disk": "{files} changed on disk since this page was opened (another window, a git pull or a hand "
                           "edit). Nothing was saved; your input is still below. Copy what you need, reload, then edit again.",
        "problems": "Problems", "no problems": "No errors or warnings.", "general": "The whole message",
        "previews": "Previews", "building": "Making the outputs…", "built": "Done", "failed": "failed",
        "pending": "waiting", "out of date": "out of date: save to make it again", "no previews": "No outputs made yet.",
        "all languages": "All languages", "refresh": "Refresh", "approve": "Approve",
        "approver": "Approver's name", "accept warnings": "Approve despite the warnings",
        "approver needed": "Write the approver's name.", "approval refused": "Cannot approve: the message has errors.",
        "approval warnings": "The message has warnings. Approve again once you have looked at them.",
        "approved now": "Approved.", "confirm": "The translation matches the new Estonian text",
        "stale field": "The Estonian text changed since this was translated", "password needed": "Password needed.",
        "upload too large": "The file is too large (at most {mb} MB).", "image type": "use JPEG, PNG or WebP (.jpg, .png, .webp)",
        "characters": "characters", "edit": "Edit", "back": "Back to the messages", "error": "Error",
        "draft": "draft", "status.approved": "approved", "status.withdrawn": "withdrawn", "language": "Language",
        "open": "Open", "files": "Files", "no event": "—", "counter": "{n} / {limit} ({platform})",
        "build said": "The build said", "caption": "Post text", "current photo": "Current photo",
        "publishing": "Publishing", "publish": "Publish",
        "publish help": "Builds every changed output and sends the download site and feeds to {target}. "
                        "Only approved messages past their embargo are published.",
        "publish running": "Publishing… Reload the page to see the result.",
        "publish done": "Published.", "publish failed": "Publishing failed; the public site is as it was.",
    },
}


# A count's noun, singular and after other numbers: Estonian takes the partitive singular after a number
# („2 hoiatust“, „0 viga“), never the nominative plural („hoiatused“).
COUNTED: dict[str, dict[str, tuple[str, str]]] = {
    "et": {"errors": ("viga", "viga"), "warnings": ("hoiatus", "hoiatust")},
    "en": {"errors": ("error", "errors"), "warnings": ("warning", "warnings")},
}


def counted(number: int, key: str) -> str:
    """„1 hoiatus“, „3 hoiatust“, „0 viga“; "1 warning", "3 warnings"."""
    from kit.studio.app import ui_lang

    one, other = COUNTED[ui_lang() if request else "et"][key]
    return f"{number} {one if number == 1 else other}"


def t(key: str) -> str:
    from kit.studio.app import ui_lang

    words = WORDS[ui_lang() if request else "et"]
    return words.get(key, WORDS["et"].get(key, key))
