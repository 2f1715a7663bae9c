"""Editing the knowledge base safely: validated, atomic, locked, recorded, revertible (no Discord).

`KnowledgeStore` owns every write to the knowledge directory, `ChangeHistory` records who
changed what, `KnowledgeWatcher` / `reload` pick up edits made to the files on disk.
"""

from bot.core.editing.errors import (
    EDIT_ERRORS,
    ChangeNotFound,
    EditConflict,
    EditError,
    EditNotSaved,
    EditOutcomeUnknown,
    EditRejected,
    FactNotFound,
    HistoryUnavailable,
    KnowledgeBusy,
    NoChange,
    PhrasingAlreadyPresent,
    PhrasingTaken,
    RevertConflict,
    StorageFull,
    TopicNotFound,
)
from bot.core.editing.history import ChangeHistory
from bot.core.editing.imports import (
    MAX_IMPORT_FILE_BYTES,
    MAX_IMPORT_TOTAL_BYTES,
    ImportSummary,
    SourcesDiff,
    TopicDiff,
)
from bot.core.editing.records import Change, EditResult, fact_from_dict, fact_to_dict
from bot.core.editing.store import KnowledgeStore
from bot.core.editing.watch import KnowledgeWatcher, reload
from bot.core.editing.yaml_writer import dump_topic

__all__ = [
    "EDIT_ERRORS",
    "MAX_IMPORT_FILE_BYTES",
    "MAX_IMPORT_TOTAL_BYTES",
    "Change",
    "ChangeHistory",
    "ChangeNotFound",
    "EditConflict",
    "EditError",
    "EditNotSaved",
    "EditOutcomeUnknown",
    "EditRejected",
    "EditResult",
    "FactNotFound",
    "HistoryUnavailable",
    "ImportSummary",
    "KnowledgeBusy",
    "KnowledgeStore",
    "KnowledgeWatcher",
    "NoChange",
    "PhrasingAlreadyPresent",
    "PhrasingTaken",
    "RevertConflict",
    "SourcesDiff",
    "StorageFull",
    "TopicDiff",
    "TopicNotFound",
    "dump_topic",
    "fact_from_dict",
    "fact_to_dict",
    "reload",
]
