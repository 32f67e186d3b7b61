"""Words that name no subject: English stop words, and filler words of our own.

The stop words are the Glasgow Information Retrieval Group's list, as scikit-learn ships it
(`sklearn.feature_extraction.text.ENGLISH_STOP_WORDS`, BSD-3-Clause; the original is at
http://ir.dcs.gla.ac.uk/resources/linguistic_utils/stop_words). They are kept here rather than
imported: the first import of scikit-learn in a process holds the GIL for 110-130 ms while its
extension modules load, and the map names its topics on a background thread of the window's
process, where that froze the window (`tests/desktop/views/test_map_tab.py`).
"""

ENGLISH_STOP_WORDS = frozenset(
    """
a about above across after afterwards again against all almost alone along already also
although always am among amongst amoungst amount an and another any anyhow anyone anything
anyway anywhere are around as at back be became because become becomes becoming been before
beforehand behind being below beside besides between beyond bill both bottom but by call can
cannot cant co con could couldnt cry de describe detail do done down due during each eg eight
either eleven else elsewhere empty enough etc even ever every everyone everything everywhere
except few fifteen fifty fill find fire first five for former formerly forty found four from
front full further get give go had has hasnt have he hence her here hereafter hereby herein
hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into
is it its itself keep last latter latterly least less ltd made many may me meanwhile might mill
mine more moreover most mostly move much must my myself name namely neither never nevertheless
next nine no nobody none noone nor not nothing now nowhere of off often on once one only onto
or other others otherwise our ours ourselves out over own part per perhaps please put rather re
same see seem seemed seeming seems serious several she should show side since sincere six sixty
so some somehow someone something sometime sometimes somewhere still such system take ten than
that the their them themselves then thence there thereafter thereby therefore therein thereupon
these they thick thin third this those though three through throughout thru thus to together
too top toward towards twelve twenty two un under until up upon us very via was we well were
what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever
whether which while whither who whoever whole whom whose why will with within without would yet
you your yours yourself yourselves
""".split()
)

# Words that occur in writing on any subject and so name none: auxiliary and common verbs, spans
# of time, vague nouns and the pieces of web addresses. Kept apart from the list above, which is
# someone else's and stays as published.
FILLER_WORDS = frozenset(
    """
able about again also always among appear appeared appears available based becomes begin
best better came change changed changes com come comes common contain contains current day
days did does doesn doing don each easy edu end ends example examples far following get gets
getting give given gives going gone good got great html http https included includes
including instead just keep keeps know known large later let lets like likely little long
look looks lot lots make makes making many means minute minutes month months mostly need
needed needs net new note old org page provide provided provides really right said say says
second seconds set sets small start still sure take takes thing things think time times try
trying use used useful user uses using usually want wants way ways week weeks went whole worth www
year years yes
""".split()
)
