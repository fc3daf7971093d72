//! Command-line arguments as clap parses them (the "low" layer): they mirror
//! the flags and only check their syntax. Each command in `cmd/` turns them
//! into typed configs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// newsdex: search news by keyword and by the people, organisations and
/// places named in it.
#[derive(Debug, Parser)]
#[command(name = "newsdex", version, about, max_term_width = 100)]
pub struct Cli {
    /// Index directory.
    #[arg(
        long,
        global = true,
        env = "NEWSDEX_INDEX",
        default_value = "newsdex-index"
    )]
    pub index: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index articles from JSON lines, CSV, folders of text files or stdin.
    Index(IndexArgs),
    /// Ranked search with snippets and entity facets.
    Search(SearchArgs),
    /// Every hit of a query, ranked, as CSV, TSV or JSON lines.
    Export(ExportArgs),
    /// What an index holds: articles, dates, sources, entities, versions.
    Stats(StatsArgs),
    /// Entities across the index or a query's hits, with surface forms.
    Entities(EntitiesArgs),
    /// Entity pairs that appear together in the most articles among the hits.
    Cooccur(CooccurArgs),
    /// Article counts per day, week, month or year over the hits.
    Timeline(TimelineArgs),
    /// Run many queries from a file; every hit (or the top N) of each.
    Batch(BatchArgs),
    /// Articles most like a given one (more-like-this).
    Similar(SimilarArgs),
    /// The entity tagger: tag, evaluate, train.
    #[command(subcommand)]
    Ner(NerCommand),
    /// Shell completions on stdout: bash, zsh, fish, powershell or elvish.
    Completions(CompletionsArgs),
    /// The manual page (roff) on stdout, or one page per command in a folder.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write newsdex.1 and a page per command (newsdex-index.1, ...) here.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Files or folders: .jsonl/.ndjson (optionally .gz), .csv, folders of
    /// those and .txt/.md files, or - for JSON lines on stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Where rejected records go, as JSON lines [default: INDEX/rejects.jsonl].
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Map article fields to input keys, e.g. body=text,title=headline.
    #[arg(long, value_name = "FIELD=KEY,...")]
    pub field_map: Option<String>,
    /// Analysis threads [default: number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Skip entity tagging.
    #[arg(long)]
    pub no_entities: bool,
    /// Alias table: CSV rows canonical,alias.
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    /// Entity model file [default: the model built into newsdex].
    #[arg(long, env = "NEWSDEX_MODEL")]
    pub model: Option<PathBuf>,
    /// Delete the index first and build it anew.
    #[arg(long)]
    pub rebuild: bool,
    /// Largest record (line, CSV row or file) accepted, in bytes.
    #[arg(long, default_value_t = crate::ingest::DEFAULT_MAX_RECORD_BYTES)]
    pub max_record_bytes: usize,
    /// Commit after this many added articles (and at the end). Each commit
    /// makes new segments (segments under 20,000 articles are merged once
    /// there are 8), so fewer commits mean fewer segments; an interrupted
    /// run redoes at most this many articles.
    #[arg(long, default_value_t = 250_000)]
    pub commit_every: u64,
    /// Indexing memory budget in MB, shared by the indexing threads; a
    /// thread whose share is full writes a segment. A smaller budget makes
    /// more segments and slower indexing; a larger one, more memory.
    #[arg(long, default_value_t = 384)]
    pub memory_mb: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// A query and its filters, shared by search, export and entities.
#[derive(Debug, Args, Clone)]
pub struct QueryArgs {
    /// The query (see README: words, "phrases"~N, AND OR NOT + -, fields
    /// such as person:"Vladimir Putin", date:[2020-01-01 TO 2020-03-31]).
    pub query: Option<String>,
    /// OR adjacent terms instead of ANDing them.
    #[arg(long)]
    pub any: bool,
    /// Only articles mentioning this person (canonical name; repeatable: all of them).
    #[arg(long)]
    pub person: Vec<String>,
    /// Only articles mentioning this organisation (repeatable: all of them).
    #[arg(long)]
    pub org: Vec<String>,
    /// Only articles mentioning this place (repeatable: all of them).
    #[arg(long)]
    pub location: Vec<String>,
    /// Only articles mentioning this other name (repeatable: all of them).
    #[arg(long)]
    pub misc: Vec<String>,
    /// Only articles from this source (repeatable: any of them).
    #[arg(long)]
    pub source: Vec<String>,
    /// Only articles dated on or after this day, month or year.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles dated on or before this day, month or year.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Order: relevance, date (oldest first) or -date (newest first)
    /// [default: relevance; -date without a query].
    #[arg(long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Decay relevance with age: a half-life such as 30d, 12h, 2w or 1y
    /// (counted back from the newest hit).
    #[arg(long, value_name = "HALF_LIFE")]
    pub recency: Option<String>,
    /// Raw names: do not merge names the index's name table says are one
    /// entity (see `entities --explain NAME`).
    #[arg(long)]
    pub no_resolve: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    #[command(flatten)]
    pub page: PageArgs,
}

/// Which page of ranked hits to show, and how: shared by search and similar.
#[derive(Debug, Args)]
pub struct PageArgs {
    /// Number of hits to show.
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Output: table, json, jsonl, csv or xlsx (an Excel workbook, with -o).
    #[arg(long, default_value = "table")]
    pub format: String,
    /// The workbook to write (--format xlsx).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Facets to count over all hits (comma-separated; "all" for all,
    /// "none" for none): person, org, location, misc, source, category.
    #[arg(long, default_value = "person,org,location,source")]
    pub facets: String,
    /// Entries per facet.
    #[arg(long, default_value_t = 5)]
    pub facet_size: usize,
    /// Colour: auto, always or never.
    #[arg(long, default_value = "auto")]
    pub color: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Output: csv, tsv, jsonl or xlsx (an Excel workbook, with -o).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Columns: id, score, rank, date, source, title, url, category, person,
    /// org, location, misc, snippet, body [default: all but body].
    #[arg(long)]
    pub fields: Option<String>,
    /// Output file [default: stdout].
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start CSV or TSV with a UTF-8 byte-order mark, so that Excel reads it
    /// as UTF-8 (other tools do not want one).
    #[arg(long)]
    pub bom: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Output: table or json.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Entries per top list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct EntitiesArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Entity types (comma-separated): person, org, location, misc.
    #[arg(long = "type", default_value = "person,org,location,misc")]
    pub types: String,
    /// Entities per type.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Output: table or json.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Say which names of the index the name table (written at each
    /// indexing run) takes for the same entity as NAME, and on what
    /// evidence; the table is not yet applied to counts, facets or filters.
    #[arg(long, value_name = "NAME")]
    pub explain: Option<String>,
}

#[derive(Debug, Args)]
pub struct CooccurArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Entity types taking part (comma-separated): person, org, location, misc.
    #[arg(long = "type", default_value = "person,org,location,misc")]
    pub types: String,
    /// Only pairs with this entity (canonical name, any case), on the left.
    #[arg(long)]
    pub with: Option<String>,
    /// Pairs shown.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Pairs found together in fewer articles are left out.
    #[arg(long, default_value_t = 1)]
    pub min_joint: u64,
    /// Output: table, csv or json.
    #[arg(long, default_value = "table")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Bucket: day, week, month or year.
    #[arg(long, default_value = "month")]
    pub interval: String,
    /// Also one series per top entity of this type: person, org, location, misc.
    #[arg(long)]
    pub by: Option<String>,
    /// Entities with a series of their own (with --by).
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Output: chart (a bar chart in the terminal), csv or json.
    #[arg(long, default_value = "chart")]
    pub format: String,
    /// Also draw the timeline into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// Id of the article to start from.
    pub id: String,
    #[command(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Queries: one per line (id = line number), or CSV with `id,query`
    /// columns. Blank lines and lines starting with # are skipped.
    pub queries: PathBuf,
    /// Hits per query [default: every hit].
    #[arg(long, short = 'n')]
    pub limit: Option<usize>,
    /// OR adjacent terms instead of ANDing them.
    #[arg(long)]
    pub any: bool,
    /// Order: relevance, date or -date.
    #[arg(long, default_value = "relevance", allow_hyphen_values = true)]
    pub sort: String,
    /// Output: csv, jsonl, trec (`qid Q0 docid rank score tag`) or xlsx (an
    /// Excel workbook, with -o: a sheet per query, or one with a qid column
    /// for more than 100 queries).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Decay relevance with age: a half-life such as 30d (see search).
    #[arg(long, value_name = "HALF_LIFE")]
    pub recency: Option<String>,
    /// Run tag in the TREC format.
    #[arg(long, default_value = "newsdex")]
    pub tag: String,
    /// Columns of CSV and JSONL output: qid, rank, id, score, date, title,
    /// source, url, snippet, person, org, location, misc (all but qid, rank,
    /// id, score and date read each hit's stored fields).
    #[arg(long, default_value = "qid,rank,id,score,date")]
    pub fields: String,
    /// Also count these entity facets over all hits of each query (JSONL
    /// only: one `{"qid":...,"total":...,"facets":...}` line after the
    /// query's hits): person, org, location, misc, source, category, or all.
    #[arg(long)]
    pub facets: Option<String>,
    /// Names per facet (as search).
    #[arg(long, default_value_t = 5)]
    pub facet_size: usize,
    /// Also print on stderr how long opening the index and running the
    /// queries took (as ripgrep's --stats).
    #[arg(long)]
    pub stats: bool,
    /// Queries run side by side [default: number of cores]; output keeps
    /// the order of the queries file.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output file [default: stdout].
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start CSV with a UTF-8 byte-order mark, so that Excel reads it as
    /// UTF-8.
    #[arg(long)]
    pub bom: bool,
}

#[derive(Debug, Subcommand)]
pub enum NerCommand {
    /// Tag articles (JSON lines, or plain text with --text) or a CoNLL file.
    Tag(NerTagArgs),
    /// Precision, recall and F1 on a CoNLL file, as conlleval computes them.
    Eval(NerEvalArgs),
    /// Train a model on CoNLL files.
    Train(NerTrainArgs),
    /// Cross-validate a training configuration over CoNLL documents.
    Cv(NerCvArgs),
    /// Build word clusters and casing statistics from unlabelled news.
    Lexicon(NerLexiconArgs),
}

#[derive(Debug, Args)]
pub struct NerTagArgs {
    /// Input file, or - for stdin.
    #[arg(default_value = "-")]
    pub input: PathBuf,
    /// The input is plain text: one article.
    #[arg(long)]
    pub text: bool,
    /// Tag a CoNLL column file, appending the predicted IOB2 tag to each line.
    #[arg(long, value_name = "FILE")]
    pub conll: Option<PathBuf>,
    /// Entity model file [default: the built-in model].
    #[arg(long, env = "NEWSDEX_MODEL")]
    pub model: Option<PathBuf>,
    /// Alias table: CSV rows canonical,alias.
    #[arg(long)]
    pub aliases: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NerEvalArgs {
    /// CoNLL file with gold tags in the last column (.gz too).
    pub file: PathBuf,
    /// Entity model file [default: the built-in model].
    #[arg(long, env = "NEWSDEX_MODEL")]
    pub model: Option<PathBuf>,
    /// Output: table or json.
    #[arg(long, default_value = "table")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct NerTrainArgs {
    /// Training data (CoNLL, .gz too); repeat to train on several files.
    #[arg(long, required = true)]
    pub train: Vec<PathBuf>,
    /// Development data: picks the best epoch, or with --fixed-epochs is
    /// only scored.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Train every epoch and keep both passes, instead of picking on dev.
    #[arg(long)]
    pub fixed_epochs: bool,
    #[command(flatten)]
    pub inputs: NerTrainInputs,
}

#[derive(Debug, Args)]
pub struct NerCvArgs {
    /// CoNLL files (.gz too) pooled into one set of documents.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Number of folds (document i is in fold i mod k).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Output: table or json.
    #[arg(long, default_value = "table")]
    pub format: String,
    #[command(flatten)]
    pub inputs: NerTrainInputs,
}

/// What training reads besides labelled text, and its settings.
#[derive(Debug, Args)]
pub struct NerTrainInputs {
    /// Lexicon from `newsdex ner lexicon`.
    #[arg(long, default_value = "data/ner/lexicon.bin")]
    pub lexicon: PathBuf,
    /// Folder of gazetteers: TYPE.NAME.txt files, one name per line.
    #[arg(long, default_value = "data/ner/gazetteers")]
    pub gazetteers: PathBuf,
    /// A further name list (one name a line, .gz too) as its own feature
    /// class: CLASS=FILE; files naming the same class share it (4 classes).
    #[arg(long, value_name = "CLASS=FILE")]
    pub gazetteer: Vec<String>,
    #[arg(long, default_value_t = 25)]
    pub epochs: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of features dropped at random per token while training.
    #[arg(long, default_value_t = 0.3)]
    pub dropout: f64,
}

#[derive(Debug, Args)]
pub struct NerLexiconArgs {
    /// News corpora (JSON lines, .gz too).
    #[arg(required = true)]
    pub corpus: Vec<PathBuf>,
    /// CoNLL files whose words (not tags) are added.
    #[arg(long)]
    pub conll: Vec<PathBuf>,
    /// Where to write the lexicon.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Minimum count of a clustered word.
    #[arg(long, default_value_t = 3)]
    pub min_count: u64,
    /// Exchange iterations per granularity.
    #[arg(long, default_value_t = 8)]
    pub iterations: usize,
}
