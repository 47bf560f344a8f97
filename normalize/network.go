package normalize

import "strings"

// Network is a mobile network identified by its MCC+MNC code. Operator and
// Country are empty when the code does not tell them.
type Network struct {
	Code     string `json:"code"`
	Operator string `json:"operator,omitempty"`
	Country  string `json:"country,omitempty"`
}

// LookupNetwork describes a provider's network code. A known code gets the
// operator and its ISO 3166-1 alpha-2 country; any other 5–6 digit code
// gets the country its MCC implies; anything else keeps just the code. It
// returns nil for a blank code, and a fresh value callers may change.
func LookupNetwork(code string) *Network {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil
	}
	if n, ok := knownNetworks[code]; ok {
		return &n
	}
	n := &Network{Code: code}
	if (len(code) == 5 || len(code) == 6) && allDigits(code) {
		n.Country = mccCountries[code[:3]]
	}
	return n
}

// knownNetworks holds the codes Africa's Talking sends, with its operator
// labels kept verbatim even where a brand has since changed: consumers match
// on them. Renamed since: 62002 is now Telecel, 62160 9mobile, 63907 Telkom
// Kenya, 64002 Yas.
var knownNetworks = map[string]Network{
	"62001": {"62001", "MTN Ghana", "GH"},
	"62002": {"62002", "Vodafone Ghana", "GH"},
	"62006": {"62006", "AirtelTigo Ghana", "GH"},
	"62120": {"62120", "Airtel Nigeria", "NG"},
	"62130": {"62130", "MTN Nigeria", "NG"},
	"62150": {"62150", "Glo Nigeria", "NG"},
	"62160": {"62160", "Etisalat Nigeria", "NG"},
	"63510": {"63510", "MTN Rwanda", "RW"},
	"63513": {"63513", "Tigo Rwanda", "RW"},
	"63514": {"63514", "Airtel Rwanda", "RW"},
	"63601": {"63601", "EthioTelecom Ethiopia", "ET"},
	"63902": {"63902", "Safaricom Kenya", "KE"},
	"63903": {"63903", "Airtel Kenya", "KE"},
	"63907": {"63907", "Orange Kenya", "KE"},
	"63999": {"63999", "Equitel Kenya", "KE"},
	"64002": {"64002", "Tigo Tanzania", "TZ"},
	"64003": {"64003", "Zantel Tanzania", "TZ"},
	"64004": {"64004", "Vodacom Tanzania", "TZ"},
	"64005": {"64005", "Airtel Tanzania", "TZ"},
	"64007": {"64007", "TTCL Tanzania", "TZ"},
	"64009": {"64009", "Halotel Tanzania", "TZ"},
	"64101": {"64101", "Airtel Uganda", "UG"},
	"64110": {"64110", "MTN Uganda", "UG"},
	"64111": {"64111", "UTL Uganda", "UG"},
	"64114": {"64114", "Africell Uganda", "UG"},
	"64501": {"64501", "Airtel Zambia", "ZM"},
	"64502": {"64502", "MTN Zambia", "ZM"},
	"65001": {"65001", "TNM Malawi", "MW"},
	"65010": {"65010", "Airtel Malawi", "MW"},
	"65501": {"65501", "Vodacom South Africa", "ZA"},
	"65502": {"65502", "Telkom South Africa", "ZA"},
	"65507": {"65507", "CellC South Africa", "ZA"},
	"65510": {"65510", "MTN South Africa", "ZA"},
	// The Africa's Talking sandbox: no real network, so no country.
	"99999": {"99999", "Athena", ""},
}

// mccCountries maps every geographic mobile country code of ITU-T E.212 to
// its ISO 3166-1 alpha-2 country. Where one MCC serves several territories
// the principal one is given and the others are noted. Shared and test
// codes (001, 901, 902, 991, 999) name no country and are left out.
var mccCountries = map[string]string{
	// Zone 2: Europe.
	"202": "GR", // Greece
	"204": "NL", // Netherlands
	"206": "BE", // Belgium
	"208": "FR", // France
	"212": "MC", // Monaco
	"213": "AD", // Andorra
	"214": "ES", // Spain
	"216": "HU", // Hungary
	"218": "BA", // Bosnia and Herzegovina
	"219": "HR", // Croatia
	"220": "RS", // Serbia
	"221": "XK", // Kosovo: user-assigned code, the one libphonenumber uses
	"222": "IT", // Italy
	"225": "VA", // Vatican City
	"226": "RO", // Romania
	"228": "CH", // Switzerland
	"230": "CZ", // Czechia
	"231": "SK", // Slovakia
	"232": "AT", // Austria
	"234": "GB", // United Kingdom; also Guernsey, Jersey, Isle of Man
	"235": "GB", // United Kingdom
	"238": "DK", // Denmark
	"240": "SE", // Sweden
	"242": "NO", // Norway
	"244": "FI", // Finland
	"246": "LT", // Lithuania
	"247": "LV", // Latvia
	"248": "EE", // Estonia
	"250": "RU", // Russia
	"255": "UA", // Ukraine
	"257": "BY", // Belarus
	"259": "MD", // Moldova
	"260": "PL", // Poland
	"262": "DE", // Germany
	"266": "GI", // Gibraltar
	"268": "PT", // Portugal
	"270": "LU", // Luxembourg
	"272": "IE", // Ireland
	"274": "IS", // Iceland
	"276": "AL", // Albania
	"278": "MT", // Malta
	"280": "CY", // Cyprus
	"282": "GE", // Georgia
	"283": "AM", // Armenia
	"284": "BG", // Bulgaria
	"286": "TR", // Türkiye
	"288": "FO", // Faroe Islands
	"290": "GL", // Greenland
	"292": "SM", // San Marino
	"293": "SI", // Slovenia
	"294": "MK", // North Macedonia
	"295": "LI", // Liechtenstein
	"297": "ME", // Montenegro

	// Zone 3: North America and the Caribbean.
	"302": "CA", // Canada
	"308": "PM", // Saint Pierre and Miquelon
	"310": "US", // United States; also Guam and Northern Mariana Islands
	"311": "US", // United States
	"312": "US", // United States
	"313": "US", // United States
	"314": "US", // United States
	"315": "US", // United States
	"316": "US", // United States
	"330": "PR", // Puerto Rico
	"332": "VI", // United States Virgin Islands
	"334": "MX", // Mexico
	"338": "JM", // Jamaica
	"340": "GP", // French Antilles: Guadeloupe; also Martinique, St Barthélemy, St Martin
	"342": "BB", // Barbados
	"344": "AG", // Antigua and Barbuda
	"346": "KY", // Cayman Islands
	"348": "VG", // British Virgin Islands
	"350": "BM", // Bermuda
	"352": "GD", // Grenada
	"354": "MS", // Montserrat
	"356": "KN", // Saint Kitts and Nevis
	"358": "LC", // Saint Lucia
	"360": "VC", // Saint Vincent and the Grenadines
	"362": "CW", // Curaçao; also Sint Maarten and Caribbean Netherlands
	"363": "AW", // Aruba
	"364": "BS", // Bahamas
	"365": "AI", // Anguilla
	"366": "DM", // Dominica
	"368": "CU", // Cuba
	"370": "DO", // Dominican Republic
	"372": "HT", // Haiti
	"374": "TT", // Trinidad and Tobago
	"376": "TC", // Turks and Caicos Islands

	// Zone 4: Asia and the Middle East.
	"400": "AZ", // Azerbaijan
	"401": "KZ", // Kazakhstan
	"402": "BT", // Bhutan
	"404": "IN", // India
	"405": "IN", // India
	"406": "IN", // India
	"410": "PK", // Pakistan
	"412": "AF", // Afghanistan
	"413": "LK", // Sri Lanka
	"414": "MM", // Myanmar
	"415": "LB", // Lebanon
	"416": "JO", // Jordan
	"417": "SY", // Syria
	"418": "IQ", // Iraq
	"419": "KW", // Kuwait
	"420": "SA", // Saudi Arabia
	"421": "YE", // Yemen
	"422": "OM", // Oman
	"424": "AE", // United Arab Emirates
	"425": "IL", // Israel; also Palestine's operators
	"426": "BH", // Bahrain
	"427": "QA", // Qatar
	"428": "MN", // Mongolia
	"429": "NP", // Nepal
	"430": "AE", // United Arab Emirates (Abu Dhabi)
	"431": "AE", // United Arab Emirates (Dubai)
	"432": "IR", // Iran
	"434": "UZ", // Uzbekistan
	"436": "TJ", // Tajikistan
	"437": "KG", // Kyrgyzstan
	"438": "TM", // Turkmenistan
	"440": "JP", // Japan
	"441": "JP", // Japan
	"450": "KR", // South Korea
	"452": "VN", // Viet Nam
	"454": "HK", // Hong Kong
	"455": "MO", // Macao
	"456": "KH", // Cambodia
	"457": "LA", // Laos
	"460": "CN", // China
	"461": "CN", // China
	"466": "TW", // Taiwan
	"467": "KP", // North Korea
	"470": "BD", // Bangladesh
	"472": "MV", // Maldives

	// Zone 5: Oceania and South-East Asia.
	"502": "MY", // Malaysia
	"505": "AU", // Australia; also Norfolk Island
	"510": "ID", // Indonesia
	"514": "TL", // Timor-Leste
	"515": "PH", // Philippines
	"520": "TH", // Thailand
	"525": "SG", // Singapore
	"528": "BN", // Brunei
	"530": "NZ", // New Zealand
	"536": "NR", // Nauru
	"537": "PG", // Papua New Guinea
	"539": "TO", // Tonga
	"540": "SB", // Solomon Islands
	"541": "VU", // Vanuatu
	"542": "FJ", // Fiji
	"543": "WF", // Wallis and Futuna
	"544": "AS", // American Samoa
	"545": "KI", // Kiribati
	"546": "NC", // New Caledonia
	"547": "PF", // French Polynesia
	"548": "CK", // Cook Islands
	"549": "WS", // Samoa
	"550": "FM", // Micronesia
	"551": "MH", // Marshall Islands
	"552": "PW", // Palau
	"553": "TV", // Tuvalu
	"554": "TK", // Tokelau
	"555": "NU", // Niue

	// Zone 6: Africa.
	"602": "EG", // Egypt
	"603": "DZ", // Algeria
	"604": "MA", // Morocco
	"605": "TN", // Tunisia
	"606": "LY", // Libya
	"607": "GM", // Gambia
	"608": "SN", // Senegal
	"609": "MR", // Mauritania
	"610": "ML", // Mali
	"611": "GN", // Guinea
	"612": "CI", // Côte d'Ivoire
	"613": "BF", // Burkina Faso
	"614": "NE", // Niger
	"615": "TG", // Togo
	"616": "BJ", // Benin
	"617": "MU", // Mauritius
	"618": "LR", // Liberia
	"619": "SL", // Sierra Leone
	"620": "GH", // Ghana
	"621": "NG", // Nigeria
	"622": "TD", // Chad
	"623": "CF", // Central African Republic
	"624": "CM", // Cameroon
	"625": "CV", // Cabo Verde
	"626": "ST", // São Tomé and Príncipe
	"627": "GQ", // Equatorial Guinea
	"628": "GA", // Gabon
	"629": "CG", // Congo
	"630": "CD", // DR Congo
	"631": "AO", // Angola
	"632": "GW", // Guinea-Bissau
	"633": "SC", // Seychelles
	"634": "SD", // Sudan
	"635": "RW", // Rwanda
	"636": "ET", // Ethiopia
	"637": "SO", // Somalia
	"638": "DJ", // Djibouti
	"639": "KE", // Kenya
	"640": "TZ", // Tanzania
	"641": "UG", // Uganda
	"642": "BI", // Burundi
	"643": "MZ", // Mozambique
	"645": "ZM", // Zambia
	"646": "MG", // Madagascar
	"647": "RE", // Réunion; also Mayotte
	"648": "ZW", // Zimbabwe
	"649": "NA", // Namibia
	"650": "MW", // Malawi
	"651": "LS", // Lesotho
	"652": "BW", // Botswana
	"653": "SZ", // Eswatini
	"654": "KM", // Comoros
	"655": "ZA", // South Africa
	"657": "ER", // Eritrea
	"658": "SH", // Saint Helena, Ascension and Tristan da Cunha
	"659": "SS", // South Sudan

	// Zone 7: Central and South America.
	"702": "BZ", // Belize
	"704": "GT", // Guatemala
	"706": "SV", // El Salvador
	"708": "HN", // Honduras
	"710": "NI", // Nicaragua
	"712": "CR", // Costa Rica
	"714": "PA", // Panama
	"716": "PE", // Peru
	"722": "AR", // Argentina
	"724": "BR", // Brazil
	"730": "CL", // Chile
	"732": "CO", // Colombia
	"734": "VE", // Venezuela
	"736": "BO", // Bolivia
	"738": "GY", // Guyana
	"740": "EC", // Ecuador
	"742": "GF", // French Guiana
	"744": "PY", // Paraguay
	"746": "SR", // Suriname
	"748": "UY", // Uruguay
	"750": "FK", // Falkland Islands

	// Zone 9 is shared and international, bar this one territory.
	"995": "IO", // British Indian Ocean Territory (Diego Garcia)
}
