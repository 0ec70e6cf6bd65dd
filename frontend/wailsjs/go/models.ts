export namespace core {
	
	export class Evidence {
	    n: number;
	    spans: Span[];
	
	    static createFrom(source: any = {}) {
	        return new Evidence(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.n = source["n"];
	        this.spans = this.convertValues(source["spans"], Span);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Claim {
	    text: string;
	    cites: number[];
	    missing?: number[];
	    recited?: number[];
	    supported: boolean;
	    support: number;
	    evidence?: Evidence[];
	
	    static createFrom(source: any = {}) {
	        return new Claim(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.text = source["text"];
	        this.cites = source["cites"];
	        this.missing = source["missing"];
	        this.recited = source["recited"];
	        this.supported = source["supported"];
	        this.support = source["support"];
	        this.evidence = this.convertValues(source["evidence"], Evidence);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Statement {
	    text: string;
	    n: number;
	    start: number;
	    end: number;
	    answer?: string;
	
	    static createFrom(source: any = {}) {
	        return new Statement(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.text = source["text"];
	        this.n = source["n"];
	        this.start = source["start"];
	        this.end = source["end"];
	        this.answer = source["answer"];
	    }
	}
	export class Cell {
	    start: number;
	    end: number;
	    label: string;
	
	    static createFrom(source: any = {}) {
	        return new Cell(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.start = source["start"];
	        this.end = source["end"];
	        this.label = source["label"];
	    }
	}
	export class Segment {
	    text: string;
	    kind: string;
	
	    static createFrom(source: any = {}) {
	        return new Segment(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.text = source["text"];
	        this.kind = source["kind"];
	    }
	}
	export class Span {
	    start: number;
	    end: number;
	
	    static createFrom(source: any = {}) {
	        return new Span(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.start = source["start"];
	        this.end = source["end"];
	    }
	}
	export class Citation {
	    n: number;
	    path: string;
	    title?: string;
	    page: number;
	    start: number;
	    end: number;
	    text: string;
	    location?: string;
	    highlights?: Span[];
	    score: number;
	    segments?: Segment[];
	    answer?: Span;
	    changed?: string;
	    cell?: Cell;
	
	    static createFrom(source: any = {}) {
	        return new Citation(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.n = source["n"];
	        this.path = source["path"];
	        this.title = source["title"];
	        this.page = source["page"];
	        this.start = source["start"];
	        this.end = source["end"];
	        this.text = source["text"];
	        this.location = source["location"];
	        this.highlights = this.convertValues(source["highlights"], Span);
	        this.score = source["score"];
	        this.segments = this.convertValues(source["segments"], Segment);
	        this.answer = this.convertValues(source["answer"], Span);
	        this.changed = source["changed"];
	        this.cell = this.convertValues(source["cell"], Cell);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Answer {
	    question: string;
	    answer: string;
	    citations: Citation[];
	    mode: string;
	    model?: string;
	    statements?: Statement[];
	    claims?: Claim[];
	    found: boolean;
	    notice?: string;
	
	    static createFrom(source: any = {}) {
	        return new Answer(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.question = source["question"];
	        this.answer = source["answer"];
	        this.citations = this.convertValues(source["citations"], Citation);
	        this.mode = source["mode"];
	        this.model = source["model"];
	        this.statements = this.convertValues(source["statements"], Statement);
	        this.claims = this.convertValues(source["claims"], Claim);
	        this.found = source["found"];
	        this.notice = source["notice"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Turn {
	    question: string;
	    query?: string;
	    answer: Answer;
	    // Go type: time
	    asked: any;
	
	    static createFrom(source: any = {}) {
	        return new Turn(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.question = source["question"];
	        this.query = source["query"];
	        this.answer = this.convertValues(source["answer"], Answer);
	        this.asked = this.convertValues(source["asked"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Chat {
	    id: string;
	    title: string;
	    // Go type: time
	    created: any;
	    // Go type: time
	    updated: any;
	    turns: Turn[];
	
	    static createFrom(source: any = {}) {
	        return new Chat(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.created = this.convertValues(source["created"], null);
	        this.updated = this.convertValues(source["updated"], null);
	        this.turns = this.convertValues(source["turns"], Turn);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	
	export class PageOCR {
	    confidence: number;
	    languages?: string[];
	    regions?: number;
	
	    static createFrom(source: any = {}) {
	        return new PageOCR(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.confidence = source["confidence"];
	        this.languages = source["languages"];
	        this.regions = source["regions"];
	    }
	}
	export class Rect {
	    x0: number;
	    y0: number;
	    x1: number;
	    y1: number;
	
	    static createFrom(source: any = {}) {
	        return new Rect(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.x0 = source["x0"];
	        this.y0 = source["y0"];
	        this.x1 = source["x1"];
	        this.y1 = source["y1"];
	    }
	}
	
	
	

}

export namespace engine {
	
	export class ChatSummary {
	    id: string;
	    title: string;
	    // Go type: time
	    created: any;
	    // Go type: time
	    updated: any;
	    turns: number;
	
	    static createFrom(source: any = {}) {
	        return new ChatSummary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.created = this.convertValues(source["created"], null);
	        this.updated = this.convertValues(source["updated"], null);
	        this.turns = source["turns"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class FileState {
	    path: string;
	    root: string;
	    state: string;
	    reason?: string;
	    pages: number;
	    chunks: number;
	    ocrPages?: number;
	    ocrConfidence?: number;
	    ocrRegionPages?: number;
	
	    static createFrom(source: any = {}) {
	        return new FileState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.root = source["root"];
	        this.state = source["state"];
	        this.reason = source["reason"];
	        this.pages = source["pages"];
	        this.chunks = source["chunks"];
	        this.ocrPages = source["ocrPages"];
	        this.ocrConfidence = source["ocrConfidence"];
	        this.ocrRegionPages = source["ocrRegionPages"];
	    }
	}
	export class Filter {
	    folders?: string[];
	    files?: string[];
	    types?: string[];
	
	    static createFrom(source: any = {}) {
	        return new Filter(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.folders = source["folders"];
	        this.files = source["files"];
	        this.types = source["types"];
	    }
	}
	export class Folder {
	    path: string;
	    files: number;
	    indexed: number;
	    failed: number;
	    skipped: number;
	    pending: number;
	
	    static createFrom(source: any = {}) {
	        return new Folder(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.files = source["files"];
	        this.indexed = source["indexed"];
	        this.failed = source["failed"];
	        this.skipped = source["skipped"];
	        this.pending = source["pending"];
	    }
	}
	export class GeneratorSettings {
	    enabled: boolean;
	    endpoint: string;
	    model: string;
	    confirmedRemote: boolean;
	
	    static createFrom(source: any = {}) {
	        return new GeneratorSettings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.enabled = source["enabled"];
	        this.endpoint = source["endpoint"];
	        this.model = source["model"];
	        this.confirmedRemote = source["confirmedRemote"];
	    }
	}
	export class Library {
	    folders: Folder[];
	    files: FileState[];
	
	    static createFrom(source: any = {}) {
	        return new Library(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.folders = this.convertValues(source["folders"], Folder);
	        this.files = this.convertValues(source["files"], FileState);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class OCRLanguages {
	    available: boolean;
	    installed: string[];
	    default: string[];
	    chosen: string[];
	    inUse: string[];
	
	    static createFrom(source: any = {}) {
	        return new OCRLanguages(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.available = source["available"];
	        this.installed = source["installed"];
	        this.default = source["default"];
	        this.chosen = source["chosen"];
	        this.inUse = source["inUse"];
	    }
	}
	export class PageMarks {
	    page: number;
	    box?: core.Rect;
	    rotate?: number;
	    ocr?: core.PageOCR;
	    passage?: core.Rect[];
	    highlights?: core.Rect[];
	    cell?: core.Rect[];
	
	    static createFrom(source: any = {}) {
	        return new PageMarks(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.page = source["page"];
	        this.box = this.convertValues(source["box"], core.Rect);
	        this.rotate = source["rotate"];
	        this.ocr = this.convertValues(source["ocr"], core.PageOCR);
	        this.passage = this.convertValues(source["passage"], core.Rect);
	        this.highlights = this.convertValues(source["highlights"], core.Rect);
	        this.cell = this.convertValues(source["cell"], core.Rect);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Source {
	    path: string;
	    format: string;
	    page: number;
	    pages: number;
	    segments: core.Segment[];
	    location?: string;
	    pageBox?: core.Rect;
	    rotate?: number;
	    ocr?: core.PageOCR;
	    passage?: core.Rect[];
	    highlights?: core.Rect[];
	    cell?: core.Cell;
	    cellRects?: core.Rect[];
	    more?: PageMarks[];
	
	    static createFrom(source: any = {}) {
	        return new Source(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.format = source["format"];
	        this.page = source["page"];
	        this.pages = source["pages"];
	        this.segments = this.convertValues(source["segments"], core.Segment);
	        this.location = source["location"];
	        this.pageBox = this.convertValues(source["pageBox"], core.Rect);
	        this.rotate = source["rotate"];
	        this.ocr = this.convertValues(source["ocr"], core.PageOCR);
	        this.passage = this.convertValues(source["passage"], core.Rect);
	        this.highlights = this.convertValues(source["highlights"], core.Rect);
	        this.cell = this.convertValues(source["cell"], core.Cell);
	        this.cellRects = this.convertValues(source["cellRects"], core.Rect);
	        this.more = this.convertValues(source["more"], PageMarks);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Status {
	    dataDir: string;
	    model: string;
	    mode: string;
	    docs: number;
	    chunks: number;
	    vectors: number;
	    rebuilding?: boolean;
	    reembedding?: string;
	    generator?: string;
	    encrypted: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Status(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.dataDir = source["dataDir"];
	        this.model = source["model"];
	        this.mode = source["mode"];
	        this.docs = source["docs"];
	        this.chunks = source["chunks"];
	        this.vectors = source["vectors"];
	        this.rebuilding = source["rebuilding"];
	        this.reembedding = source["reembedding"];
	        this.generator = source["generator"];
	        this.encrypted = source["encrypted"];
	    }
	}

}

export namespace main {
	
	export class ModelInfo {
	    kind: string;
	    name: string;
	    path: string;
	    diskBytes: number;
	    memoryBytes: number;
	    active: boolean;
	    inUse: boolean;
	    removable: boolean;
	    bundled: boolean;
	    detail: string;
	
	    static createFrom(source: any = {}) {
	        return new ModelInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.name = source["name"];
	        this.path = source["path"];
	        this.diskBytes = source["diskBytes"];
	        this.memoryBytes = source["memoryBytes"];
	        this.active = source["active"];
	        this.inUse = source["inUse"];
	        this.removable = source["removable"];
	        this.bundled = source["bundled"];
	        this.detail = source["detail"];
	    }
	}
	export class ModelList {
	    models: ModelInfo[];
	    generation: boolean;
	    builtIn: boolean;
	    generator: string;
	    context: number;
	    reembedding: string;
	
	    static createFrom(source: any = {}) {
	        return new ModelList(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.models = this.convertValues(source["models"], ModelInfo);
	        this.generation = source["generation"];
	        this.builtIn = source["builtIn"];
	        this.generator = source["generator"];
	        this.context = source["context"];
	        this.reembedding = source["reembedding"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

