from bot.core.missed import group_missed


def test_alike_questions_are_grouped_most_frequent_first():
    rows = [
        ("mle salary in NYC?", "declined", 3.0),
        ("MLE salary in nyc", "declined", 2.0),
        ("mle salary in nyc", "not helpful", 1.0),
        ("best gpu for training", "declined", 4.0),
        ("   ", "declined", 5.0),
    ]
    groups = group_missed(rows)
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].reasons == {"declined": 2, "not helpful": 1}
    assert groups[1].question == "best gpu for training"


def test_sql_and_quotes_are_plain_text():
    rows = [("'; DROP TABLE questions; --", "declined", 1.0)]
    assert group_missed(rows)[0].question == "'; DROP TABLE questions; --"
