// The verification page's script (docs/verification-page.md). It asks
// this node only: POST /v1/verify/holder with pasted text, POST /v1/scan
// with camera frames in 8-bit grayscale (the node decodes the QR code).
// Options: ?auto=camera starts the camera on load; #hc1=TEXT checks TEXT
// at once (a fragment is never sent to a server).
'use strict';

(function () {
	var MAX_W = 640, MAX_H = 480, MIN_SIDE = 32; // limits.h IG_SCAN_*
	var INTERVAL_MS = 250; // between frames; 429 waits a second

	var REASONS = {
		valid: 'The certificate is genuine, in force and not revoked.',
		malformed_prefix: 'This is not an EU health certificate: the ' +
			'text does not start with HC1:.',
		malformed_base45: 'The certificate text is damaged: it holds ' +
			'characters a certificate cannot hold.',
		malformed_compression: 'The certificate data is damaged: it ' +
			'does not unpack.',
		malformed_cose: 'The signed envelope of the certificate is ' +
			'damaged.',
		malformed_cbor: 'The contents of the certificate are damaged ' +
			'or incomplete.',
		unknown_kid: 'The certificate is signed with a key that no ' +
			'trusted issuer of this federation holds.',
		bad_signature: 'The signature does not match: the certificate ' +
			'was altered or forged.',
		expired: 'The certificate has expired.',
		not_yet_valid: 'The certificate is not valid yet.',
		dsc_not_valid: 'The issuer\'s signing certificate was not ' +
			'valid when this certificate was issued, or is no longer ' +
			'valid.',
		wrong_key_usage: 'The issuer\'s key may not sign this type of ' +
			'certificate.',
		schema: 'The contents of the certificate do not follow the EU ' +
			'certificate format.',
		revoked: 'The certificate has been revoked by its issuer.',
		too_large: 'The text is too long to be a health certificate.'
	};
	var TYPES = { v: 'Vaccination', t: 'Test', r: 'Recovery' };

	var $ = function (id) { return document.getElementById(id); };
	var stream = null, timer = null, busy = false;

	function text(id, s) {
		$(id).textContent = s == null ? '' : String(s);
	}

	function setStatus(state, msg) {
		$('status').setAttribute('data-state', state);
		text('status', msg);
	}

	function headline(v) {
		if (v.valid)
			return { cls: 'valid', word: 'Valid' };
		if (v.reason === 'revoked')
			return { cls: 'revoked', word: 'Revoked' };
		return { cls: 'invalid', word: 'Not valid' };
	}

	function show(v) {
		var h = headline(v), why = REASONS[v.reason] ||
			('The check failed: ' + v.reason + '.');
		var holder = v.holder || {}, name;
		$('result').className = 'result ' + h.cls;
		$('verdict').setAttribute('data-reason', v.reason);
		text('verdict', h.word);
		if (!v.valid && v.detail)
			why += ' (' + v.detail + ')';
		text('why', why);
		name = [holder.given_name, holder.family_name]
			.filter(function (s) { return s; }).join(' ');
		if (holder.given_name_std || holder.family_name_std)
			name += ' (' + [holder.given_name_std,
				holder.family_name_std].filter(function (s) {
				return s; }).join(' ') + ')';
		text('name', name || '-');
		text('dob', holder.dob || '-');
		text('type', TYPES[v.type] || '-');
		text('country', v.country || '-');
		text('exp', v.exp || '-');
		$('facts').hidden = !v.holder;
		$('compare').hidden = !(v.valid && v.holder);
	}

	function showError(msg) {
		$('result').className = 'result invalid';
		$('verdict').setAttribute('data-reason', 'error');
		text('verdict', 'Not checked');
		text('why', msg);
		$('facts').hidden = true;
		$('compare').hidden = true;
	}

	function answer(r) {
		return r.json().then(function (j) {
			if (!r.ok)
				throw new Error(j && j.error ? j.error.message :
					'HTTP ' + r.status);
			return j;
		});
	}

	function check(hc1) {
		setStatus('checking', 'Checking...');
		return fetch('/v1/verify/holder', {
			method: 'POST',
			headers: { 'Content-Type': 'text/plain' },
			body: hc1
		}).then(answer).then(function (v) {
			show(v);
			setStatus('done', 'Checked.');
		}).catch(function (e) {
			showError('The node could not check it: ' + e.message);
			setStatus('error', 'Error.');
		});
	}

	function stop() {
		if (timer !== null)
			clearTimeout(timer);
		timer = null;
		if (stream !== null)
			stream.getTracks().forEach(function (t) { t.stop(); });
		stream = null;
		$('video').hidden = true;
		$('stop').hidden = true;
		$('camera').hidden = false;
	}

	// One frame: scaled to fit 640x480, to grayscale, to the node.
	function grab() {
		var video = $('video'), canvas = $('canvas'), ctx, img, px, gray;
		var vw = video.videoWidth, vh = video.videoHeight, s, w, h, i;
		timer = null;
		if (stream === null)
			return;
		if (busy || vw === 0 || vh === 0) {
			timer = setTimeout(grab, INTERVAL_MS);
			return;
		}
		s = Math.min(1, MAX_W / Math.max(vw, vh),
			MAX_H / Math.min(vw, vh));
		w = Math.max(MIN_SIDE, Math.floor(vw * s));
		h = Math.max(MIN_SIDE, Math.floor(vh * s));
		if (w * h > MAX_W * MAX_H) // a very long frame
			h = Math.floor(MAX_W * MAX_H / w);
		canvas.width = w;
		canvas.height = h;
		ctx = canvas.getContext('2d', { willReadFrequently: true });
		ctx.drawImage(video, 0, 0, w, h);
		img = ctx.getImageData(0, 0, w, h);
		px = img.data;
		gray = new Uint8Array(w * h);
		for (i = 0; i < w * h; i++)
			gray[i] = (px[4 * i] * 77 + px[4 * i + 1] * 150 +
				px[4 * i + 2] * 29) >> 8;
		busy = true;
		fetch('/v1/scan?w=' + w + '&h=' + h, {
			method: 'POST',
			headers: { 'Content-Type': 'application/octet-stream' },
			body: gray
		}).then(function (r) {
			if (r.status === 429)
				return { wait: 1000 };
			return answer(r);
		}).then(function (j) {
			busy = false;
			if (j.found) {
				stop();
				$('hc1').value = j.text;
				show(j.verdict);
				setStatus('done', 'QR code read and checked.');
				return;
			}
			if (j.message)
				setStatus('scanning', 'Scanning: ' + j.message + '.');
			if (stream !== null)
				timer = setTimeout(grab, j.wait || INTERVAL_MS);
		}).catch(function (e) {
			busy = false;
			stop();
			setStatus('error', 'Scanning failed: ' + e.message);
		});
	}

	function start() {
		var md = navigator.mediaDevices;
		if (!md || !md.getUserMedia) {
			setStatus('nocamera', 'No camera here (a camera needs ' +
				'HTTPS or localhost); paste the text below.');
			return;
		}
		setStatus('starting', 'Starting the camera...');
		md.getUserMedia({
			audio: false,
			video: { facingMode: 'environment', width: { ideal: MAX_W },
				height: { ideal: MAX_H } }
		}).then(function (s) {
			var video = $('video');
			stream = s;
			video.srcObject = s;
			video.hidden = false;
			$('stop').hidden = false;
			$('camera').hidden = true;
			setStatus('scanning', 'Scanning: hold the QR code in ' +
				'front of the camera.');
			return video.play();
		}).then(function () {
			timer = setTimeout(grab, INTERVAL_MS);
		}).catch(function (e) {
			stop();
			setStatus('nocamera', 'The camera cannot be used (' +
				e.name + '); paste the text below.');
		});
	}

	document.addEventListener('DOMContentLoaded', function () {
		var params = new URLSearchParams(location.search), frag;
		$('camera').addEventListener('click', start);
		$('stop').addEventListener('click', function () {
			stop();
			setStatus('idle', 'The camera is off.');
		});
		$('form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			stop();
			check($('hc1').value.trim());
		});
		frag = new URLSearchParams(location.hash.slice(1)).get('hc1');
		if (frag) {
			$('hc1').value = frag;
			$('form').requestSubmit();
		} else if (params.get('auto') === 'camera') {
			start();
		}
	});
})();
