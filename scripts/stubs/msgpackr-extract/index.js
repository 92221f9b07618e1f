// See package.json: no native extractor, so msgpackr uses its pure-JS path.
module.exports = null;
