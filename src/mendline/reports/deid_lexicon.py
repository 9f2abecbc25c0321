"""Word lists for de-identification, written in-house (no external list is copied).

Common given names across English-speaking countries, a small gazetteer of countries, US
states, and large or frequently mentioned cities, and the capitalised words that are
*not* names or places (so "in March" or "at Christmas" are left alone). The lists are
deliberately modest: the patterns in ``deid.py`` (titles, "my sister X", "in X") catch
names that are not listed, and ``benchmarks/deid.py`` measures what is still missed.
"""

from __future__ import annotations

__all__ = ["FIRST_NAMES", "AMBIGUOUS_NAMES", "PLACES", "NOT_NAMES", "RELATION_WORDS",
           "TITLES", "MONTHS", "WEEKDAYS"]

FIRST_NAMES: frozenset[str] = frozenset("""
aaron abby abigail adam adrian ahmed aiden aisha alan albert alex alexander alexandra alice
alicia alison amanda amber amelia amir amy ana andrea andrew angela anita ann anna anne annie
anthony antonio arjun ashley audrey ava barbara ben benjamin beth betty beverly bill billy
blake bob bonnie brandon brenda brian brittany bruce bryan caleb cameron carl carla carlos
carol caroline carmen catherine charles charlie charlotte chloe chris christina christine
christopher claire clara colin connor craig crystal cynthia daisy dan daniel danielle darren
dave david dawn deborah debbie denise dennis derek diana diane diego dominic donald donna
dorothy douglas dylan eddie edward eileen elaine eleanor elena eli elijah elizabeth ella
ellie emily emma eric erin ethan eva evan evelyn fatima felix fiona francesca frank gabriel
gary gavin george georgia gerald gina gloria gordon greg gregory hannah harold harry heather
helen henry holly howard hugo ian isaac isabel isabella ivan jack jacob jake james jamie jan
jane janet jason jasmine jean jeff jeffrey jennifer jenny jeremy jerry jesse jessica jill
jim jimmy joan joe joel john johnny jonathan jordan jose joseph josh joshua joyce juan julia
julie julian justin karen kate katherine kathleen kathy katie keith kelly ken kenneth kevin
kim kyle laura lauren leah lee leo liam lily linda lisa logan lois lorenzo louis louise lucas
lucy luis luke lydia maddie madison maggie malik marcus margaret maria marie marilyn marion
martha martin mary mason matt matthew maya megan melissa mia michael michelle mike mila
miriam mohammed molly monica morgan nancy naomi natalie nathan neil nicholas nick nicole
noah nora olivia omar oscar owen pamela patricia patrick paul paula peter philip phoebe
priya rachel rahul ralph raymond rebecca richard rita rob robert robin roger ronald rosa
ruby russell ruth ryan sally samantha samuel sandra sara sarah scott sean sharon shirley
simon sofia sophia sophie stacy stella stephanie stephen steve steven susan sylvia tanya
teresa terry theo thomas tim timothy tina todd tom tommy tony tracy travis tyler valerie
vanessa victor victoria vincent walter wayne wendy william zach zoe sam max ray dean
""".split())

# Given names that are also ordinary English words: counted only mid-sentence, or with a
# person cue ("my friend Will", "Mark said").
AMBIGUOUS_NAMES: frozenset[str] = frozenset(
    "will mark bill rose grace hope faith joy art pat sue frank jack dawn ray dean max "
    "robin lee jean jan sam carol".split()
)

_US_STATES = """
alabama alaska arizona arkansas california colorado connecticut delaware florida georgia
hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon
pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming
|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|rhode island
|south carolina|south dakota|west virginia
"""
_COUNTRIES = """
afghanistan albania algeria argentina australia austria bangladesh belgium bolivia brazil
bulgaria cambodia canada chile china colombia croatia cuba cyprus czechia denmark ecuador
egypt england ethiopia finland france germany ghana greece guatemala haiti honduras hungary
iceland india indonesia iran iraq ireland israel italy jamaica japan jordan kenya korea
lebanon lithuania malaysia mexico morocco nepal netherlands nigeria norway pakistan peru
philippines poland portugal romania russia scotland senegal serbia singapore slovakia
somalia spain sudan sweden switzerland syria taiwan thailand turkey uganda ukraine
venezuela vietnam wales yemen zimbabwe
|costa rica|el salvador|new zealand|puerto rico|saudi arabia|south africa|sri lanka
|united kingdom|united states|dominican republic
"""
_CITIES = """
amsterdam athens atlanta austin baltimore bangkok barcelona beijing berlin birmingham boise
boston brighton bristol brooklyn brussels budapest cairo calgary cardiff charlotte chicago
cincinnati cleveland columbus copenhagen dallas delhi denver detroit dublin edinburgh
glasgow hamburg helsinki honolulu houston indianapolis istanbul jacksonville karachi
lagos leeds lisbon liverpool london madrid manchester manila melbourne memphis miami milan
milwaukee minneapolis montreal moscow mumbai munich nairobi nashville newcastle oakland
omaha orlando oslo ottawa oxford paris philadelphia phoenix pittsburgh portland prague
queens raleigh reno richmond rome sacramento seattle seoul sheffield shanghai singapore
stockholm sydney tampa tokyo toronto tucson vancouver vienna warsaw zurich cambridge
|buenos aires|hong kong|kansas city|las vegas|los angeles|mexico city|new orleans
|salt lake city|san antonio|san diego|san francisco|san jose|santa fe|st louis|tel aviv
|the bronx|long island
"""


def _phrases(block: str) -> set[str]:
    out: set[str] = set()
    for chunk in block.split("|"):
        chunk = chunk.strip()
        if not chunk:
            continue
        if "\n" in chunk or chunk.count(" ") > 2:
            out.update(chunk.split())
        else:
            out.add(chunk)
    return out


PLACES: frozenset[str] = frozenset(_phrases(_US_STATES) | _phrases(_COUNTRIES) | _phrases(_CITIES))

MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july",
                           "august", "september", "october", "november", "december")
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday",
                             "saturday", "sunday")

TITLES: frozenset[str] = frozenset(
    "dr dr. doctor mr mr. mrs mrs. ms ms. miss mx prof prof. professor aunt auntie uncle "
    "nana grandma grandpa granny coach pastor rabbi father sister nurse officer".split()
)

RELATION_WORDS: frozenset[str] = frozenset(
    "sister brother mum mom mother dad father son daughter wife husband partner boyfriend "
    "girlfriend fiance fiancee friend boss manager colleague coworker co-worker neighbour "
    "neighbor cousin aunt uncle niece nephew grandmother grandfather grandson granddaughter "
    "stepmother stepfather stepdad stepmom ex roommate flatmate teacher therapist doctor "
    "supervisor landlord mentor sponsor kid child baby".split()
)

# Capitalised words that are neither people nor places, even after "in", "at" or "from".
NOT_NAMES: frozenset[str] = frozenset(
    set(MONTHS) | set(WEEKDAYS) | set(
        """i i'm i've i'd i'll ok okay yes no yeah well so and but or the a an it its it's
        this that these those he she they we you my your his her our their what when where
        why how who which there here then now just maybe sorry thanks thank hi hello oh um
        uh mm hmm right sure anyway also because if christmas easter thanksgiving halloween
        ramadan diwali hanukkah passover eid new year years god english spanish french
        zoom teams google facebook instagram tiktok whatsapp youtube netflix amazon
        therapy session sessions srs wai ors psq cbt dbt act emdr tv covid er icu
        mother father mum mom dad sister brother friend daddy mummy mommy mama papa nan
        gran granny grandma grandpa nana then those because while after before still even
        sometimes everyone nobody someone everything nothing something anything whatever"""
        .split()
    )
)
