"""Every user-facing text of the app, in Dutch (default) and English.

Streamlit has no translation support, so the catalogue is a plain dictionary: ``t("key", lang)``. Keys
missing in one language fall back to Dutch and then to the key itself, so a forgotten entry shows up
visibly instead of crashing the page. Numbers are formatted per language (Dutch: ``97,4 %``).
"""

from __future__ import annotations

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"

TEXT: dict[str, dict[str, str]] = {
    # page
    "app.title": {"nl": "NetwerkAtlas", "en": "NetwerkAtlas"},
    "app.tagline": {
        "nl": "Regionale ziekenhuisnetwerken in Noord-Holland, Flevoland en Noord- en Oost-Nederland",
        "en": "Regional hospital networks in Noord-Holland, Flevoland and the north and east of the Netherlands",
    },
    "lang.label": {"nl": "Taal", "en": "Language"},
    "tab.map": {"nl": "Kaart", "en": "Map"},
    # filters
    "filters.header": {"nl": "Filters", "en": "Filters"},
    "filters.specialty": {"nl": "Specialisme", "en": "Specialty"},
    "filters.specialty.all": {"nl": "Alle specialismen", "en": "All specialties"},
    "filters.networks": {"nl": "Netwerken", "en": "Networks"},
    "filters.subregions": {"nl": "Deelregio's", "en": "Sub-regions"},
    "filters.subregions.help": {
        "nl": "Alleen het oncologienetwerk Noord- en Oost-Nederland heeft deelregio's.",
        "en": "Only the Noord- en Oost-Nederland oncology network has sub-regions.",
    },
    "filters.all": {"nl": "Alle", "en": "All"},
    "filters.kinds": {"nl": "Soort locatie", "en": "Kind of site"},
    "filters.provinces": {"nl": "Provincies", "en": "Provinces"},
    "filters.context": {
        "nl": "Toon ziekenhuizen buiten deze netwerken",
        "en": "Show hospitals outside these networks",
    },
    "filters.closed": {"nl": "Toon gesloten locaties", "en": "Show closed sites"},
    "filters.tiles": {"nl": "Achtergrondkaart (alleen online)", "en": "Background map (online only)"},
    "filters.tiles.help": {
        "nl": "De kaart werkt zonder internet. Met verbinding kan een PDOK- of OpenStreetMap-ondergrond "
        "worden getoond.",
        "en": "The map works without internet. When online, a PDOK or OpenStreetMap background can be shown.",
    },
    "tiles.none": {"nl": "Geen (offline)", "en": "None (offline)"},
    "tiles.nlmaps": {"nl": "PDOK BRT-Achtergrondkaart", "en": "PDOK BRT background map"},
    "tiles.osm": {"nl": "OpenStreetMap", "en": "OpenStreetMap"},
    "filters.no_networks": {
        "nl": "Geen netwerk gekozen: kies minstens één netwerk om locaties te zien.",
        "en": "No network selected: choose at least one network to see sites.",
    },
    # metrics
    "metric.orgs": {"nl": "Organisaties", "en": "Organisations"},
    "metric.sites": {"nl": "Locaties", "en": "Sites"},
    "metric.context": {"nl": "Overige ziekenhuizen", "en": "Other hospitals"},
    # categories (marker shapes)
    "cat.hospital_ed": {"nl": "Ziekenhuis met 24/7 SEH", "en": "Hospital with 24/7 emergency department"},
    "cat.hospital": {"nl": "Ziekenhuis zonder 24/7 SEH", "en": "Hospital without 24/7 emergency department"},
    "cat.outpatient": {"nl": "Buitenpolikliniek", "en": "Outpatient clinic"},
    "cat.radiotherapy": {"nl": "Radiotherapiecentrum", "en": "Radiotherapy centre"},
    "cat.other": {"nl": "Overige locatie (geen patiënten)", "en": "Other site (no patients)"},
    "catshort.hospital_ed": {"nl": "Ziekenhuis, 24/7 SEH", "en": "Hospital, 24/7 ED"},
    "catshort.hospital": {"nl": "Ziekenhuis, geen 24/7 SEH", "en": "Hospital, no 24/7 ED"},
    "catshort.outpatient": {"nl": "Buitenpoli", "en": "Outpatient clinic"},
    "catshort.radiotherapy": {"nl": "Radiotherapie", "en": "Radiotherapy"},
    "catshort.other": {"nl": "Overig", "en": "Other"},
    # specialties
    "spec.cardiology": {"nl": "Cardiologie", "en": "Cardiology"},
    "spec.oncology": {"nl": "Oncologie", "en": "Oncology"},
    # emergency department
    "ed.yes": {"nl": "Ja, 24/7", "en": "Yes, 24/7"},
    "ed.limited": {"nl": "Beperkte openingstijden", "en": "Limited opening hours"},
    "ed.no": {"nl": "Nee", "en": "No"},
    "ed.unknown": {"nl": "Onbekend", "en": "Unknown"},
    # precision
    "prec.building": {"nl": "gebouw", "en": "building"},
    "prec.street": {"nl": "straat (benadering)", "en": "street (approximate)"},
    "prec.town": {"nl": "plaats (benadering)", "en": "town (approximate)"},
    "prec.warning": {
        "nl": "Positie is een benadering: {precision}.",
        "en": "Position is approximate: {precision}.",
    },
    # legend
    "legend.title": {"nl": "Legenda", "en": "Legend"},
    "legend.networks": {"nl": "Kleur: netwerk", "en": "Colour: network"},
    "legend.kinds": {"nl": "Vorm: soort locatie", "en": "Shape: kind of site"},
    "legend.multi": {
        "nl": "In meerdere netwerken (gedeelde kleur)",
        "en": "In several networks (split colour)",
    },
    "legend.context": {"nl": "Ziekenhuis buiten deze netwerken", "en": "Hospital outside these networks"},
    "legend.closed": {"nl": "Gesloten locatie", "en": "Closed site"},
    "legend.region": {"nl": "Netwerkregio", "en": "Network region"},
    "legend.region_partial": {"nl": "Deels netwerkregio", "en": "Partly network region"},
    # popup / details
    "popup.organisation": {"nl": "Organisatie", "en": "Organisation"},
    "popup.address": {"nl": "Adres", "en": "Address"},
    "popup.networks": {"nl": "Netwerken", "en": "Networks"},
    "popup.subregions": {"nl": "Deelregio", "en": "Sub-region"},
    "popup.none": {"nl": "geen van deze netwerken", "en": "none of these networks"},
    "popup.ed": {"nl": "SEH", "en": "Emergency dept."},
    "popup.kind": {"nl": "Soort", "en": "Kind"},
    "popup.precision": {"nl": "Positie", "en": "Position"},
    "popup.sources": {"nl": "Bronnen", "en": "Sources"},
    "popup.source_site": {"nl": "locatie", "en": "site"},
    "popup.source_coord": {"nl": "coördinaat", "en": "coordinate"},
    "popup.website": {"nl": "website", "en": "website"},
    "popup.closed": {"nl": "Gesloten sinds {date}", "en": "Closed since {date}"},
    "popup.notes": {"nl": "Toelichting (Engels)", "en": "Notes"},
    "details.header": {"nl": "Geselecteerde locatie", "en": "Selected site"},
    "details.hint": {
        "nl": "Klik op een locatie op de kaart voor details.",
        "en": "Click a site on the map for details.",
    },
    "details.clear": {"nl": "Selectie wissen", "en": "Clear selection"},
    # table
    "table.header": {"nl": "Locaties in beeld", "en": "Sites shown"},
    "table.caption": {
        "nl": "Deze tabel bevat dezelfde locaties als de kaart; klik op een kolomkop om te sorteren.",
        "en": "This table lists the same sites as the map; click a column header to sort.",
    },
    "col.organisation": {"nl": "Organisatie", "en": "Organisation"},
    "col.site": {"nl": "Locatie", "en": "Site"},
    "col.city": {"nl": "Plaats", "en": "City"},
    "col.province": {"nl": "Provincie", "en": "Province"},
    "col.kind": {"nl": "Soort", "en": "Kind"},
    "col.ed": {"nl": "24/7 SEH", "en": "24/7 ED"},
    "col.networks": {"nl": "Netwerken", "en": "Networks"},
    "col.subregions": {"nl": "Deelregio", "en": "Sub-region"},
    "col.precision": {"nl": "Positie", "en": "Position"},
    "col.status": {"nl": "Status", "en": "Status"},
    "status.open": {"nl": "open", "en": "open"},
    "status.closed": {"nl": "gesloten", "en": "closed"},
    # networks / provenance
    "about.header": {"nl": "Over de netwerken en de bronnen", "en": "About the networks and sources"},
    "about.members": {
        "nl": "{reported} leden volgens het netwerk; {in_data} organisaties in deze atlas.",
        "en": "{reported} members according to the network; {in_data} organisations in this atlas.",
    },
    "about.discrepancy": {
        "nl": "Bronnen spreken elkaar tegen over {what}:",
        "en": "Sources disagree on {what}:",
    },
    "about.what.member_count": {"nl": "het aantal leden", "en": "the number of members"},
    "about.what.name": {"nl": "de naam", "en": "the name"},
    "about.what.members": {"nl": "de leden", "en": "the members"},
    "about.inferred": {
        "nl": "Niet door een bron bij naam genoemd, afgeleid: {orgs}.",
        "en": "Not named by any source, inferred: {orgs}.",
    },
    "about.provisional": {
        "nl": 'Voorlopige naam ("i.o.": in oprichting); een definitieve naam is niet gevonden.',
        "en": 'Provisional name ("i.o.": being set up); no definitive name was found.',
    },
    "about.founded": {"nl": "Opgericht", "en": "Founded"},
    "about.source": {"nl": "bron", "en": "source"},
    "about.data": {
        "nl": "Kaartdata: provinciegrenzen Natural Earth (publiek domein); locaties en lidmaatschappen uit "
        "openbare bronnen, per regel met bron en datum (zie data/README.md).",
        "en": "Map data: province boundaries Natural Earth (public domain); sites and memberships from public "
        "sources, each row with source and date (see data/README.md).",
    },
    # modes
    "mode.label": {"nl": "Weergave", "en": "View"},
    "mode.map": {"nl": "Netwerkkaart", "en": "Network map"},
    "mode.finder": {"nl": "Ziekenhuis zoeken", "en": "Find a hospital"},
    "mode.coverage": {"nl": "Bereikbaarheid", "en": "Coverage"},
    # finder
    "finder.header": {"nl": "Dichtstbijzijnde netwerkziekenhuizen", "en": "Nearest network hospitals"},
    "finder.place": {"nl": "Woonplaats", "en": "Place"},
    "finder.place.placeholder": {"nl": "bijv. Emmeloord", "en": "e.g. Emmeloord"},
    "finder.place.help": {
        "nl": "Elke Nederlandse plaats met minstens 500 inwoners (GeoNames), ook als 'Hengelo, Gelderland' of "
        "als coördinaten '52,71; 5,75'. U kunt ook op de kaart klikken.",
        "en": "Any Dutch place of at least 500 inhabitants (GeoNames), also as 'Hengelo, Gelderland' or as "
        "coordinates '52.71, 5.75'. You can also click on the map.",
    },
    "finder.specialty": {"nl": "Zorg voor", "en": "Care for"},
    "finder.limit": {"nl": "Aantal ziekenhuizen", "en": "Number of hospitals"},
    "finder.start": {
        "nl": "Typ een plaatsnaam of klik op de kaart om de dichtstbijzijnde netwerkziekenhuizen te zien.",
        "en": "Type a place name or click on the map to see the nearest network hospitals.",
    },
    "finder.ambiguous": {
        "nl": "Er zijn meerdere plaatsen met die naam. Welke bedoelt u?",
        "en": "Several places have that name. Which one do you mean?",
    },
    "finder.choice": {"nl": "{place} · {pop} inwoners", "en": "{place} · population {pop}"},
    "finder.choose": {"nl": "Kies een plaats", "en": "Choose a place"},
    "finder.unknown": {"nl": 'Plaats "{query}" niet gevonden.', "en": 'Place "{query}" not found.'},
    "finder.didyoumean": {"nl": "Bedoelde u:", "en": "Did you mean:"},
    "finder.reason.empty": {"nl": "Typ een plaatsnaam.", "en": "Type a place name."},
    "finder.reason.too_long": {
        "nl": "Die tekst is te lang voor een plaatsnaam.",
        "en": "That text is too long for a place name.",
    },
    "finder.reason.outside_netherlands": {
        "nl": "Die coördinaten liggen buiten Nederland.",
        "en": "Those coordinates lie outside the Netherlands.",
    },
    "finder.reason.wrong_province": {
        "nl": "Die plaats ligt niet in de genoemde provincie.",
        "en": "That place is not in the province given.",
    },
    "finder.reason.province": {
        "nl": "Dat is een provincie; typ een plaats.",
        "en": "That is a province; type a place.",
    },
    "finder.postcode": {
        "nl": "Zoeken op postcode kan alleen met een internetverbinding (PDOK Locatieserver), en die is er nu "
        "niet. Typ de plaatsnaam of klik op de kaart.",
        "en": "Postcode search needs an internet connection (PDOK Locatieserver), which is not available now. "
        "Type the place name or click on the map.",
    },
    "finder.postcode.unknown": {
        "nl": "Postcode {postcode} niet gevonden.",
        "en": "Postcode {postcode} not found.",
    },
    "finder.clicked": {"nl": "Punt op de kaart", "en": "Point on the map"},
    "finder.from": {"nl": "Vanaf {place}", "en": "From {place}"},
    "finder.none": {
        "nl": "Geen netwerkziekenhuis gevonden voor deze keuze. Kies een ander specialisme of meer netwerken.",
        "en": "No network hospital found for this choice. Choose another specialty or more networks.",
    },
    "finder.by": {"nl": "Rangschikken op", "en": "Rank by"},
    "finder.by.minutes": {"nl": "Reistijd", "en": "Travel time"},
    "finder.by.km": {"nl": "Afstand", "en": "Distance"},
    "finder.by.help": {
        "nl": "Reistijd: geschatte autominuten die niet over open water gaan (IJsselmeer, Markermeer, Waddenzee); "
        "afstand: hemelsbreed.",
        "en": "Travel time: estimated car minutes that never cross open water (IJsselmeer, Markermeer, Wadden Sea); "
        "distance: in a straight line.",
    },
    "finder.minutes": {"nl": "≈ {min} min met de auto", "en": "≈ {min} min by car"},
    "tt.settings": {"nl": "Reistijdmodel", "en": "Travel-time model"},
    "tt.wait": {"nl": "Wachttijd bij een veerboot (min)", "en": "Waiting time at a ferry (min)"},
    "tt.wait.help": {
        "nl": "Texel: overtocht 20 minuten, elk uur een boot (overdag); 's nachts alleen noodvaarten.",
        "en": "Texel: 20-minute crossing, hourly sailings (daytime); at night emergency crossings only.",
    },
    "tt.loading": {"nl": "Reistijdmodel laden…", "en": "Loading the travel-time model…"},
    "tt.method": {
        "nl": "Schatting, geen routeplanner: een raster van 500 m over Nederland (Natural Earth, land zonder "
        "meren), open water onbegaanbaar, dijken, bruggen en tunnels met hun eigen snelheid, veerboten als "
        "overtocht plus wachttijd. Lokale wegen 53 km/u, een laag hoofdwegen 80 km/u (3 minuten op en af), "
        "en in de bebouwde kom tot 1,7 minuut extra aan elk eind. Lees één rit als ± 10 minuten.",
        "en": "An estimate, not a route planner: a 500 m raster of the Netherlands (Natural Earth, land minus "
        "lakes), open water impassable, dikes, bridges and tunnels at their own speed, ferries as crossing "
        "plus waiting time. Local roads at 53 km/h, a layer of main roads at 80 km/h (3 minutes on and off), "
        "and up to 1.7 minutes extra at each end in built-up areas. Read a single trip as ± 10 minutes.",
    },
    "finder.km": {"nl": "{km} km hemelsbreed", "en": "{km} km in a straight line"},
    "finder.line": {"nl": "{km} km hemelsbreed naar {site}", "en": "{km} km in a straight line to {site}"},
    "finder.method": {
        "nl": "Afstanden zijn hemelsbreed (in een rechte lijn over de aarde gemeten), niet over de weg. De "
        "reisafstand is langer, en over water veel langer: van Huizen naar Almere is het 8 km hemelsbreed "
        "maar ruim 20 km over de weg, en Texel is alleen met de veerboot bereikbaar.",
        "en": "Distances are in a straight line (measured over the earth's surface), not by road. Travel "
        "distance is longer, and across water much longer: Huizen to Almere is 8 km in a straight line but "
        "over 20 km by road, and Texel is reachable only by ferry.",
    },
    "finder.route": {"nl": "Route plannen (OpenStreetMap)", "en": "Plan a route (OpenStreetMap)"},
    "finder.show": {"nl": "Toon op kaart", "en": "Show on map"},
    "finder.outpatient": {
        "nl": "Buitenpolikliniek: geen opname of spoedeisende hulp",
        "en": "Outpatient clinic: no admission or emergency care",
    },
    "finder.clear": {"nl": "Locatie wissen", "en": "Clear location"},
    # coverage
    "cov.header": {"nl": "Bereikbaarheid van het netwerk", "en": "Network coverage"},
    "cov.km": {"nl": "Afstandsgrens (km hemelsbreed)", "en": "Distance threshold (km, straight line)"},
    "cov.km.help": {
        "nl": "Wie verder dan deze afstand van een netwerklocatie woont, telt als niet gedekt.",
        "en": "Whoever lives farther than this from a network site counts as not covered.",
    },
    "cov.outpatient": {"nl": "Buitenpoliklinieken tellen mee", "en": "Outpatient clinics count"},
    "cov.outpatient.help": {
        "nl": "Standaard tellen alleen ziekenhuizen (met of zonder 24/7 SEH).",
        "en": "By default only hospitals count (with or without a 24/7 ED).",
    },
    "cov.close": {"nl": "Wat als deze locaties sluiten?", "en": "What if these sites close?"},
    "cov.close.placeholder": {"nl": "Kies locaties", "en": "Choose sites"},
    "cov.add.help": {
        "nl": "Klik op de kaart om een hypothetische nieuwe locatie toe te voegen (max. 10).",
        "en": "Click on the map to add a hypothetical new site (up to 10).",
    },
    "cov.add.clear": {"nl": "Toegevoegde locaties wissen", "en": "Remove added sites"},
    "cov.added_name": {"nl": "Nieuwe locatie", "en": "New site"},
    "cov.planned": {"nl": "Geplande locaties uploaden", "en": "Upload planned sites"},
    "cov.planned.help": {
        "nl": "CSV (komma of puntkomma; UTF-8 of Windows-1252), XLSX of GeoJSON met kolommen naam, breedtegraad en "
        "lengtegraad (of name/lat/lon, of x/y in RD); optioneel soort en netwerken. Ten hoogste {n} locaties; ze "
        "tellen mee in de wat-als-analyse en staan als ster op de kaart.",
        "en": "CSV (comma or semicolon; UTF-8 or Windows-1252), XLSX or GeoJSON with columns name, lat and lon (or "
        "naam/breedtegraad/lengtegraad, or x/y in RD); optionally kind and networks. At most {n} sites; they count "
        "in the what-if analysis and show as stars on the map.",
    },
    "cov.planned.upload": {"nl": "Bestand met geplande locaties", "en": "File of planned sites"},
    "cov.planned.example": {"nl": "Voorbeeldbestand (CSV)", "en": "Example file (CSV)"},
    "cov.planned.error": {
        "nl": "{name} is niet gebruikt: {n} probleem/problemen. De rest van de pagina werkt gewoon door.",
        "en": "{name} was not used: {n} problem(s). The rest of the page keeps working.",
    },
    "cov.planned.ok": {
        "nl": "{n} geplande locatie(s) toegevoegd aan de wat-als-analyse.",
        "en": "{n} planned site(s) added to the what-if analysis.",
    },
    "cov.areas": {"nl": "Toon verzorgingsgebieden", "en": "Show service areas"},
    "cov.population": {"nl": "Bevolking: bron en eigen bestand", "en": "Population: source and own file"},
    "cov.population.help": {
        "nl": "Benadering: alle inwoners van een kern (GeoNames, plaatsen met ≥ 500 inwoners) staan op het "
        "midden van die kern; het platteland en kleine kernen ontbreken. Voor een fijnere analyse kunt u een "
        "CBS-raster (100 m of 500 m) of ander bestand uploaden: CSV met x, y, population (RD, EPSG:28992) of "
        "lat, lon, population, of een GeoPackage/GeoJSON met een kolom population.",
        "en": "Approximation: all inhabitants of a place (GeoNames, places of ≥ 500 inhabitants) sit at its "
        "centre; the countryside and small villages are missing. For a finer analysis upload a CBS grid "
        "(100 m or 500 m) or another file: CSV with x, y, population (RD, EPSG:28992) or lat, lon, population, "
        "or a GeoPackage/GeoJSON with a population column.",
    },
    "cov.upload": {"nl": "Eigen bevolkingsbestand", "en": "Own population file"},
    "cov.upload.error": {
        "nl": "Het bestand {name} kan niet worden gebruikt; de GeoNames-benadering blijft actief:",
        "en": "The file {name} cannot be used; the GeoNames approximation stays in use:",
    },
    "cov.legend": {
        "nl": "Aandeel inwoners binnen de afstandsgrens",
        "en": "Share of inhabitants within the threshold",
    },
    "cov.m.share": {"nl": "Inwoners binnen {km} {unit}", "en": "Inhabitants within {km} {unit}"},
    "cov.m.beyond": {"nl": "Inwoners verder weg", "en": "Inhabitants farther away"},
    "cov.m.mean": {"nl": "Gemiddelde afstand", "en": "Mean distance"},
    "cov.m.p95": {"nl": "95 % woont binnen", "en": "95 % live within"},
    "cov.method": {
        "nl": "Methode: hemelsbrede afstand van elke kern (GeoNames ≥ 500 inwoners, een benadering van waar "
        "mensen wonen) tot de dichtstbijzijnde van {n} locaties, gewogen naar inwoners; grens {km} km. "
        "Reisafstand over de weg is langer, vooral over water.",
        "en": "Method: straight-line distance from every place (GeoNames ≥ 500 inhabitants, an approximation "
        "of where people live) to the nearest of {n} sites, weighted by inhabitants; threshold {km} km. "
        "Road distance is longer, especially across water.",
    },
    "cov.partial": {
        "nl": "{provinces} valt maar deels in de netwerkregio: daar tellen alleen kernen waarvan het "
        "dichtstbijzijnde ziekenhuis bij het netwerk hoort.",
        "en": "{provinces} is only partly in the network region: there only places whose nearest hospital "
        "belongs to the network count.",
    },
    "cov.pp": {"nl": "%-punt", "en": "pp"},
    "cov.tab.provinces": {"nl": "Per provincie", "en": "By province"},
    "cov.tab.subregions": {"nl": "Per deelregio", "en": "By sub-region"},
    "cov.tab.whatif": {"nl": "Wat als", "en": "What if"},
    "cov.tab.sensitive": {"nl": "Gevoelige locaties", "en": "Sensitive sites"},
    "cov.tab.least": {"nl": "Slechtst bereikbaar", "en": "Least served"},
    "cov.tab.compare": {"nl": "Cardiologie vs oncologie", "en": "Cardiology vs oncology"},
    "cov.total": {"nl": "Totaal netwerkregio", "en": "Network region total"},
    "cov.no_subregions": {
        "nl": "De gekozen netwerken hebben geen deelregio's.",
        "en": "The selected networks have no sub-regions.",
    },
    "cov.subregion.method": {
        "nl": "Deelregio's hebben geen vastgestelde grenzen: een kern telt mee bij de deelregio van de "
        "dichtstbijzijnde deelregiolocatie.",
        "en": "Sub-regions have no published boundaries: a place counts in the sub-region of its nearest "
        "sub-region site.",
    },
    "cov.whatif.hint": {
        "nl": "Kies rechts locaties die sluiten of klik op de kaart om een locatie toe te voegen.",
        "en": "Choose sites that close on the right, or click the map to add a site.",
    },
    "cov.switched": {
        "nl": "{n} kernen krijgen een andere dichtstbijzijnde locatie",
        "en": "{n} places get a different nearest site",
    },
    "cov.sensitive.help": {
        "nl": "Zoals het RIVM gevoelige ziekenhuizen bepaalt: hoeveel inwoners komen verder dan {km} {unit} te "
        "wonen als alleen deze locatie sluit?",
        "en": "As RIVM identifies sensitive hospitals: how many inhabitants would end up farther than {km} {unit} "
        "if this site alone closed?",
    },
    "cov.col.name": {"nl": "Naam", "en": "Name"},
    "cov.col.population": {"nl": "Inwoners", "en": "Inhabitants"},
    "cov.col.covered": {"nl": "Binnen {km} {unit}", "en": "Within {km} {unit}"},
    "cov.col.share": {"nl": "Aandeel", "en": "Share"},
    "cov.col.mean": {"nl": "Gem. afstand (km)", "en": "Mean distance (km)"},
    "cov.col.mean.min": {"nl": "Gem. reistijd (min)", "en": "Mean travel time (min)"},
    "cov.col.p95": {"nl": "95 % binnen (km)", "en": "95 % within (km)"},
    "cov.col.p95.min": {"nl": "95 % binnen (min)", "en": "95 % within (min)"},
    "cov.col.distance.min": {"nl": "Reistijd (min)", "en": "Travel time (min)"},
    "cov.col.mean_change.min": {
        "nl": "Verschil gem. reistijd (min)",
        "en": "Change in mean travel time (min)",
    },
    "cov.m.mean.min": {"nl": "Gemiddelde reistijd", "en": "Mean travel time"},
    "cov.unit": {"nl": "Drempel in", "en": "Threshold in"},
    "cov.unit.km": {"nl": "km hemelsbreed", "en": "km (straight line)"},
    "cov.unit.min": {"nl": "minuten met de auto", "en": "minutes by car"},
    "cov.min": {
        "nl": "Reistijdgrens (minuten, schatting)",
        "en": "Travel-time threshold (minutes, estimate)",
    },
    "cov.min.help": {
        "nl": "30 en 45 minuten zijn de Nederlandse referentienormen (RIVM, bereikbaarheid van ziekenhuiszorg).",
        "en": "30 and 45 minutes are the Dutch reference norms (RIVM, accessibility of hospital care).",
    },
    "cov.method.min": {
        "nl": "Methode: geschatte autoreistijd (nooit over open water; zie Reistijdmodel) van elke kern (GeoNames ≥ "
        "500 inwoners, een benadering van waar mensen wonen) naar de snelste van {n} locaties, gewogen naar "
        "inwoners; grens {km} minuten. Lees reistijden als ± 10 minuten.",
        "en": "Method: estimated car travel time (never across open water; see the travel-time model) from every "
        "place (GeoNames ≥ 500 inhabitants, an approximation of where people live) to the fastest of {n} sites, "
        "weighted by inhabitants; threshold {km} minutes. Read travel times as ± 10 minutes.",
    },
    "cov.col.beyond": {"nl": "Kernen verder weg", "en": "Places farther away"},
    "cov.col.share_before": {"nl": "Aandeel voor", "en": "Share before"},
    "cov.col.share_after": {"nl": "Aandeel na", "en": "Share after"},
    "cov.col.covered_change": {"nl": "Verschil inwoners binnen grens", "en": "Change in inhabitants covered"},
    "cov.col.mean_change": {"nl": "Verschil gem. afstand (km)", "en": "Change in mean distance (km)"},
    "cov.col.from": {"nl": "Was", "en": "Was"},
    "cov.col.to": {"nl": "Wordt", "en": "Becomes"},
    "cov.col.km_before": {"nl": "{unit} voor", "en": "{unit} before"},
    "cov.col.km_after": {"nl": "{unit} na", "en": "{unit} after"},
    "cov.col.extra": {
        "nl": "Extra inwoners verder dan {km} {unit}",
        "en": "Extra inhabitants beyond {km} {unit}",
    },
    "cov.col.extra_share": {"nl": "Aandeel van de regio", "en": "Share of the region"},
    "cov.col.distance": {"nl": "Afstand (km)", "en": "Distance (km)"},
    "cov.col.nearest": {"nl": "Dichtstbijzijnde locatie", "en": "Nearest site"},
    "cov.least.tooltip": {
        "nl": "{name}: {km} {unit} tot de dichtstbijzijnde locatie",
        "en": "{name}: {km} {unit} to the nearest site",
    },
    "cov.compare.help": {
        "nl": "Dezelfde regio, twee specialismen: {a} en {b}.",
        "en": "The same region, two specialties: {a} and {b}.",
    },
    "cov.compare.both": {"nl": "In beide netwerken", "en": "In both networks"},
    "cov.compare.only": {"nl": "Alleen in {name}", "en": "Only in {name}"},
    "cov.compare.within": {
        "nl": "van de inwoners binnen {km} {unit}.",
        "en": "of inhabitants within {km} {unit}.",
    },
    # export
    "export.header": {"nl": "Exporteren en delen", "en": "Export and share"},
    "export.title": {"nl": "Titel", "en": "Title"},
    "export.page": {"nl": "Formaat", "en": "Page"},
    "export.page.a4-landscape": {"nl": "A4 liggend", "en": "A4 landscape"},
    "export.page.a4-portrait": {"nl": "A4 staand", "en": "A4 portrait"},
    "export.page.16:9": {"nl": "16:9 (presentatie)", "en": "16:9 (slides)"},
    "export.dpi": {"nl": "Resolutie (dpi)", "en": "Resolution (dpi)"},
    "export.threshold": {
        "nl": "Afstandsgrens {km} km hemelsbreed",
        "en": "Threshold {km} km in a straight line",
    },
    "export.threshold.min": {
        "nl": "Reistijdgrens {km} min met de auto (schatting: raster van 500 m, 60 km/u, nooit over open water, "
        "veerboot met wachttijd; ± 10 min)",
        "en": "Threshold {km} min by car (estimate: 500 m raster, 60 km/h, never across open water, ferries with "
        "waiting time; ± 10 min)",
    },
    "export.format": {"nl": "Bestandsformaat", "en": "File format"},
    "export.help.map": {
        "nl": "Kaartbeeld voor rapporten: dezelfde filters en lagen als op het scherm, met titel, legenda, "
        "schaalstok, noordpijl, datum en bronnen. HTML is de interactieve kaart als één bestand dat ook "
        "zonder internet opent.",
        "en": "Map image for reports: the same filters and layers as on screen, with title, legend, scale bar, "
        "north arrow, date and sources. HTML is the interactive map as one file that opens offline too.",
    },
    "export.help.data": {
        "nl": "De gegevens achter de kaart: CSV (puntkomma, UTF-8 met BOM voor Excel), XLSX (met de "
        "bereikbaarheidstabellen als die getoond worden), GeoJSON en GeoPackage.",
        "en": "The data behind the map: CSV (UTF-8 with BOM for Excel), XLSX (with the coverage tables when shown), "
        "GeoJSON and GeoPackage.",
    },
    "export.make": {"nl": "Bestand maken", "en": "Make the file"},
    "export.making": {"nl": "Bestand wordt gemaakt…", "en": "Making the file…"},
    "export.download": {"nl": "Download {name} ({size} kB)", "en": "Download {name} ({size} kB)"},
    "export.layers": {"nl": "Kaartlagen", "en": "Map layers"},
    "export.service_areas": {"nl": "Verzorgingsgebied", "en": "Service area"},
    "export.finder": {"nl": "Zoeklocatie", "en": "Search location"},
    "export.finder_lines": {"nl": "Hemelsbrede lijn naar resultaat", "en": "Straight line to a result"},
    "export.no_data": {"nl": "Geen gegevens", "en": "No data"},
    "export.no_network": {"nl": "geen netwerk gekozen", "en": "no network selected"},
    "export.date": {"nl": "Gemaakt op {date}", "en": "Made on {date}"},
    "export.sheet.sites": {"nl": "Locaties", "en": "Sites"},
    "export.share": {"nl": "Link naar precies deze weergave:", "en": "Link to exactly this view:"},
    # url
    "url.ignored": {
        "nl": "Onbekende of ongeldige parameters in de link genegeerd: {params}",
        "en": "Unknown or invalid link parameters ignored: {params}",
    },
    # errors
    "error.data.title": {
        "nl": "Onderhoudsmelding: de gegevens zijn niet in orde",
        "en": "Maintenance notice: the data is not valid",
    },
    "error.data.body": {
        "nl": "De app kan niet starten omdat een databestand fouten bevat. Beheerders: herstel de "
        "onderstaande regels en laad de pagina opnieuw.",
        "en": "The app cannot start because a data file contains errors. Maintainers: fix the rows below "
        "and reload the page.",
    },
    # --- travel-time error measured against Eurostat (geo.traveltime.error_summary) -------------------
    "tt.error": {
        "nl": "Gemeten fout: gemiddeld {gt20} procentpunt afwijking van Eurostat per provincie bij meer dan "
        "20 minuten ({gt5} bij meer dan 5 minuten); mediane fout op {trips} gepubliceerde ritten {trip} "
        "minuten. Methode: {doc}.",
        "en": "Measured error: on average {gt20} percentage points from Eurostat per province at more than "
        "20 minutes ({gt5} at more than 5 minutes); median error on {trips} published trips {trip} "
        "minutes. Method: {doc}.",
    },
    # --- end of the travel-time error block ---------------------------------------------------------
}


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """Return the text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    entry = TEXT.get(key)
    text = key if entry is None else entry.get(lang) or entry.get(DEFAULT_LANG, key)
    return text.format(**values) if values else text


def fmt_number(value: float, lang: str = DEFAULT_LANG, *, decimals: int = 0) -> str:
    """Format a number with the language's separators: ``1.234,5`` (nl) or ``1,234.5`` (en)."""
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def fmt_percent(fraction: float, lang: str = DEFAULT_LANG, *, decimals: int = 1) -> str:
    """Format a fraction as a percentage: ``97,4 %`` (nl) or ``97.4%`` (en)."""
    number = fmt_number(fraction * 100, lang, decimals=decimals)
    return f"{number} %" if lang == "nl" else f"{number}%"


def tt_error_caption(lang: str = DEFAULT_LANG) -> str:
    """The measured error of the travel-time estimate, from the committed calibration result."""
    from geo.traveltime import error_summary  # heavy: imported only where minutes are shown

    e = error_summary()
    return t(
        "tt.error",
        lang,
        gt20=fmt_number(e.mean_abs_diff_gt20_pt, lang, decimals=1),
        gt5=fmt_number(e.mean_abs_diff_gt5_pt, lang, decimals=1),
        trips=e.trips,
        trip=fmt_number(e.median_trip_error_min, lang, decimals=1),
        doc=e.doc,
    )
