//! Dutch for the portal's administration pages (see the parent module): buildings, screens and
//! pairing, users, associations, the media library.

pub(super) const CATALOG: &[(&str, &str)] = &[
    // Mistakes beside their fields
    (
        "is not a time zone: write one such as Europe/Brussels",
        "is geen tijdzone: schrijf er een zoals Europe/Brussels",
    ),
    (
        "must be between 64 and 16384 pixels",
        "moet tussen 64 en 16384 pixels liggen",
    ),
    ("choose a building", "kies een gebouw"),
    ("choose a role", "kies een rol"),
    ("choose a kind of building", "kies een soort gebouw"),
    (
        "must be at most 1000 characters",
        "mag hoogstens 1000 tekens lang zijn",
    ),
    ("is not an id", "is geen geldige id"),
    (
        "type the 6 letters and digits shown on the screen, e.g. K7Q4MX",
        "typ de 6 letters en cijfers die het scherm toont, bv. K7Q4MX",
    ),
    (
        "Another building has this name.",
        "Een ander gebouw heeft deze naam.",
    ),
    (
        "Another organisation has this name, or one that reads like it.",
        "Een andere organisatie heeft deze naam, of een die er zo op lijkt.",
    ),
    (
        "A user with this e-mail address already exists.",
        "Er bestaat al een gebruiker met dit e-mailadres.",
    ),
    // Buildings
    ("Choose the kind of building", "Kies het soort gebouw"),
    (
        "As in Europe/Brussels: the screens' schedules and hours follow it.",
        "Zoals Europe/Brussels: de planning en de uren van de schermen volgen ze.",
    ),
    ("No screens stand in it.", "Er staan geen schermen in."),
    (
        "Its screens are removed, and their players must be paired again:",
        "De schermen worden verwijderd en hun spelers moeten opnieuw gekoppeld worden:",
    ),
    ("Playlists removed", "Afspeellijsten verwijderd"),
    ("items", "items"),
    (
        "Its plays stay in the reports.",
        "De vertoningen blijven in de rapporten.",
    ),
    ("Delete the building", "Het gebouw verwijderen"),
    (
        "You are told first what goes with it.",
        "Je krijgt eerst te zien wat mee verdwijnt.",
    ),
    ("The building was saved.", "Het gebouw is bewaard."),
    ("The building was deleted.", "Het gebouw is verwijderd."),
    // Screens and pairing
    (
        "The code the new player shows, such as K7Q4MX.",
        "De code die de nieuwe speler toont, zoals K7Q4MX.",
    ),
    ("Kind of screen", "Soort scherm"),
    ("Information screen", "Infoscherm"),
    ("Landscape", "Liggend"),
    ("Portrait", "Staand"),
    (
        "No screen shows this code: check it, or restart the player for a new one.",
        "Geen enkel scherm toont deze code: controleer ze, of herstart de speler voor een nieuwe.",
    ),
    (
        "This code was already entered: its screen is paired.",
        "Deze code werd al ingegeven: het scherm is gekoppeld.",
    ),
    ("Width in pixels", "Breedte in pixels"),
    ("Height in pixels", "Hoogte in pixels"),
    ("Orientation", "Oriëntatie"),
    ("A new device token for", "Een nieuw toesteltoken voor"),
    (
        "The token its player has now stops working at once.",
        "Het token dat de speler nu heeft, werkt meteen niet meer.",
    ),
    (
        "The new token is shown once: give it to the player's computer.",
        "Het nieuwe token wordt één keer getoond: geef het aan de computer van de speler.",
    ),
    ("Issue a new token", "Een nieuw token maken"),
    ("Delete the screen", "Het scherm verwijderen"),
    (
        "Its player's token stops working: the player asks to be paired again.",
        "Het token van de speler werkt niet meer: de speler vraagt om opnieuw gekoppeld te worden.",
    ),
    (
        "Its own playlist, if any, stays with the building.",
        "Een eigen afspeellijst blijft bij het gebouw.",
    ),
    ("Player", "Speler"),
    ("Paired", "Gekoppeld"),
    ("Not paired", "Niet gekoppeld"),
    ("The new device token", "Het nieuwe toesteltoken"),
    (
        "Shown this once. Put it in the player's token file, or pair the player again.",
        "Wordt maar één keer getoond. Zet het in het tokenbestand van de speler, of koppel de speler opnieuw.",
    ),
    ("Token and removal", "Token en verwijderen"),
    ("The screen was saved.", "Het scherm is bewaard."),
    ("The screen was deleted.", "Het scherm is verwijderd."),
    (
        "See or clear it on the Emergency page",
        "Bekijk of wis het op de pagina Noodbericht",
    ),
    ("Last report", "Laatste melding"),
    ("ago", "geleden"),
    ("was playing", "speelde"),
    // Users
    (
        "You cannot take away your own administrator role.",
        "Je kunt je eigen beheerdersrol niet afnemen.",
    ),
    (
        "You cannot disable your own account.",
        "Je kunt je eigen account niet uitschakelen.",
    ),
    ("Disable", "Uitschakelen:"),
    (
        "They can no longer sign in, and they are signed out everywhere now.",
        "Deze persoon kan niet meer aanmelden en wordt nu overal afgemeld.",
    ),
    (
        "What they made stays; you can enable the account again later.",
        "Wat deze persoon maakte, blijft; je kunt de account later weer inschakelen.",
    ),
    ("Disable the account", "De account uitschakelen"),
    (
        "You cannot delete your own account.",
        "Je kunt je eigen account niet verwijderen.",
    ),
    ("Delete the user", "De gebruiker verwijderen"),
    (
        "The account is removed with its notifications and sessions.",
        "De account wordt verwijderd met zijn meldingen en sessies.",
    ),
    (
        "The events and files they made stay, without their name.",
        "De activiteiten en bestanden die deze persoon maakte, blijven, zonder naam.",
    ),
    ("Disabled", "Uitgeschakeld"),
    ("Active", "Actief"),
    ("Access", "Toegang"),
    ("Enable the account", "De account weer inschakelen"),
    (
        "A disabled user cannot sign in, and is signed out everywhere at once.",
        "Een uitgeschakelde gebruiker kan niet aanmelden en wordt meteen overal afgemeld.",
    ),
    (
        "The least powerful role is chosen unless you choose another.",
        "De rol met de minste rechten is gekozen, tenzij je een andere kiest.",
    ),
    ("The user was saved.", "De gebruiker is bewaard."),
    (
        "The user was disabled: they can no longer sign in.",
        "De gebruiker is uitgeschakeld: aanmelden kan niet meer.",
    ),
    (
        "The user was enabled again.",
        "De gebruiker is weer ingeschakeld.",
    ),
    ("The user was deleted.", "De gebruiker is verwijderd."),
    // Associations
    (
        "Screens show the new name from now on.",
        "De schermen tonen vanaf nu de nieuwe naam.",
    ),
    (
        "Its members may submit events from now on; they are told by e-mail.",
        "De leden mogen vanaf nu activiteiten indienen; ze krijgen een e-mail.",
    ),
    (
        "Say why the registration is refused: the association is told.",
        "Zeg waarom de registratie geweigerd wordt: de vereniging krijgt het te horen.",
    ),
    (
        "A verified association cannot be refused.",
        "Een geverifieerde vereniging kan niet geweigerd worden.",
    ),
    (
        "Its members are told why by e-mail:",
        "De leden krijgen per e-mail te horen waarom:",
    ),
    (
        "The association and its user accounts are removed:",
        "De vereniging en haar gebruikersaccounts worden verwijderd:",
    ),
    ("User accounts removed", "Gebruikersaccounts verwijderd"),
    ("Events removed", "Activiteiten verwijderd"),
    (
        "Playlist items that show them, removed",
        "Items in afspeellijsten die ze tonen, verwijderd",
    ),
    (
        "Files of its library removed",
        "Bestanden uit haar bibliotheek verwijderd",
    ),
    ("Delete the association", "De vereniging verwijderen"),
    (
        "A slide or an emergency message of the city uses a file of this association: remove it first.",
        "Een dia of noodbericht van de stad gebruikt een bestand van deze vereniging: verwijder dat eerst.",
    ),
    ("Events", "Activiteiten"),
    ("Files in its library", "Bestanden in haar bibliotheek"),
    ("Members", "Leden"),
    ("Refuse the registration", "De registratie weigeren"),
    ("The association was saved.", "De vereniging is bewaard."),
    (
        "The association was deleted.",
        "De vereniging is verwijderd.",
    ),
    // The media library
    ("Media library", "Mediabibliotheek"),
    (
        "This file is in use: it cannot be deleted until nothing uses it.",
        "Dit bestand is in gebruik: het kan pas verwijderd worden als niets het nog gebruikt.",
    ),
    (
        "The file leaves the library; no event, playlist or emergency message uses it.",
        "Het bestand verdwijnt uit de bibliotheek; geen activiteit, afspeellijst of noodbericht gebruikt het.",
    ),
    ("Delete", "Verwijderen"),
    ("Delete the file", "Het bestand verwijderen"),
    (
        "Every file uploaded, newest first, and where each is used. A file nobody uses can be deleted.",
        "Elk opgeladen bestand, het nieuwste eerst, en waar elk gebruikt wordt. Een bestand dat niemand gebruikt, kan weg.",
    ),
    (
        "Your association's files, newest first, and where each is used. A file nobody uses can be deleted.",
        "De bestanden van je vereniging, het nieuwste eerst, en waar elk gebruikt wordt. Een bestand dat niemand gebruikt, kan weg.",
    ),
    (
        "Only the newest 200 files are listed.",
        "Alleen de 200 nieuwste bestanden staan in de lijst.",
    ),
    ("No files yet.", "Nog geen bestanden."),
    ("File", "Bestand"),
    ("Kind", "Soort"),
    ("Size", "Grootte"),
    ("Uploaded by", "Opgeladen door"),
    ("Used in", "Gebruikt in"),
    ("Image", "Afbeelding"),
    ("Poster of", "Affiche van"),
    ("Playlist of", "Afspeellijst van"),
    ("Emergency messages", "Noodberichten"),
    ("Not used", "Niet gebruikt"),
    (
        "The file was deleted from the library.",
        "Het bestand is uit de bibliotheek verwijderd.",
    ),
];
